import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '@app/messaging';
import { describeIf, infraEnv, waitFor } from '@app/testing';

/**
 * An ephemeral group (a requester's replies, a replica forgetting erased people's cached states) must go on where it
 * was after its member rejoins: kafkajs forgets its position at every rebalance, and a group without committed offsets
 * would start again at the newest message, skipping what arrived meanwhile.
 */
describeIf(infraEnv.kafkaBrokers)('an ephemeral group whose member rejoins, on Kafka', () => {
  it('goes on from where it was: what was published while it rejoined is not skipped', async () => {
    const bus = new KafkaBus({
      brokers: infraEnv.kafkaBrokers!,
      clientId: `rejoin-${randomUUID().slice(0, 8)}`,
    });
    const topic = `ephemeral-rejoin.${randomUUID().slice(0, 12)}`;
    const otherTopic = `${topic}.other`;
    const groupId = `ephemeral-rejoin-${randomUUID().slice(0, 8)}`;
    const other = new Kafka({ brokers: [...infraEnv.kafkaBrokers!], logLevel: logLevel.NOTHING }).consumer({
      groupId,
      sessionTimeout: 10_000,
    });
    const handled: string[] = [];
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    try {
      await bus.ensureTopics([
        { topic, partitions: 2, replicationFactor: 1 },
        { topic: otherTopic, partitions: 1, replicationFactor: 1 },
      ]);
      const subscription = await bus.subscribe({
        groupId,
        topics: [topic],
        ephemeral: true,
        handler: async (message) => {
          const value = message.value.toString('utf8');
          if (value === 'held') await gate;
          handled.push(value);
        },
      });
      const send = (value: string, key = 'k') =>
        bus.publish([{ topic, key, headers: {}, value: Buffer.from(value) }]);
      await send('first');
      await waitFor(() => handled.includes('first'), { timeoutMs: 20_000, what: 'the first message' });
      await new Promise((resolve) => setTimeout(resolve, 500)); // past the commit interval
      await send('held');
      await new Promise((resolve) => setTimeout(resolve, 500)); // the held message's batch is being handled
      // Published while that batch is in hand, so not fetched yet; then a second member makes the group rebalance.
      // Some keys land in the other partition, where the member has done nothing yet.
      const meanwhile = Array.from({ length: 10 }, (_, i) => `while rejoining ${i}`);
      for (const [i, value] of meanwhile.entries()) await send(value, `b-${i}`);
      await other.connect();
      await other.subscribe({ topics: [otherTopic] });
      const otherJoined = new Promise<void>((resolve) => other.on(other.events.GROUP_JOIN, () => resolve()));
      // The member learns of the rebalance at its next heartbeat (within a second), and rejoins once its batch is done.
      setTimeout(openGate, 2_000);
      await other.run({ eachMessage: async () => undefined });
      await otherJoined;
      await other.disconnect(); // and a second rebalance: the partition is the member's alone again
      await waitFor(() => meanwhile.every((value) => handled.includes(value)), {
        timeoutMs: 30_000,
        what: 'the messages published while the member rejoined, in both partitions',
      });
      await subscription.close();
      expect(handled.filter((v) => v.startsWith('while rejoining')).sort()).toEqual([...meanwhile].sort());
    } finally {
      openGate();
      await other.disconnect();
      await bus.close();
    }
  }, 90_000);
});
