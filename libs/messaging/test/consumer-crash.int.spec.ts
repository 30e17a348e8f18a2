import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, PartitionAssigners, type PartitionAssigner } from 'kafkajs';
import { KafkaBus, type ConsumerCrash } from '@app/messaging';
import { consumerCrashes } from '@app/metrics';
import { describeIf, infraEnv, waitFor } from '@app/testing';

/** Round robin under another protocol name: a member using it and one of ours cannot share a group. */
const otherProtocol: PartitionAssigner = (config) => {
  const roundRobin = PartitionAssigners.roundRobin(config);
  return {
    name: 'OtherProtocol',
    version: roundRobin.version,
    assign: (group) => roundRobin.assign(group),
    protocol: (subscription) => ({ ...roundRobin.protocol(subscription), name: 'OtherProtocol' }),
  };
};

/**
 * kafkajs leaves a consumer stopped after an error it deems non-retriable. Here a real one: the group is held by a
 * member of another client that speaks an incompatible assignment protocol, so joining fails with
 * INCONSISTENT_GROUP_PROTOCOL. Once that member leaves, the bus's consumer must be consuming again by itself.
 */
describeIf(infraEnv.kafkaBrokers)('a Kafka consumer that kafkajs gives up on', () => {
  it('is started again by the bus, told of, and consumes once the cause is gone', async () => {
    const topic = `consumer-crash.${randomUUID().slice(0, 8)}`;
    const groupId = `consumer-crash-${randomUUID().slice(0, 8)}`;
    const crashes: ConsumerCrash[] = [];
    const bus = new KafkaBus({
      brokers: infraEnv.kafkaBrokers!,
      clientId: 'consumer-crash',
      sessionTimeoutMs: 6_000,
      joinTimeoutMs: 2_000,
      consumerRestartMs: 500,
      onConsumerCrash: (crash) => crashes.push(crash),
    });
    const other = new Kafka({ brokers: [...infraEnv.kafkaBrokers!], logLevel: logLevel.NOTHING }).consumer({
      groupId,
      partitionAssigners: [otherProtocol],
      sessionTimeout: 6_000,
    });
    await bus.ensureTopics([{ topic, partitions: 1 }]);
    await other.connect();
    await other.subscribe({ topics: [topic] });
    const otherJoined = new Promise<void>((resolve) => other.on(other.events.GROUP_JOIN, () => resolve()));
    await other.run({ eachMessage: async () => undefined });
    await otherJoined;
    const received: string[] = [];
    const crashesCounted = async (restartedBy: string) =>
      (await consumerCrashes.get()).values.find(
        (v) => v.labels.group === groupId && v.labels.restarted_by === restartedBy,
      )?.value;
    const subscription = await bus.subscribe({
      groupId,
      topics: [topic],
      handler: async (message) => void received.push(message.value.toString()),
    });
    try {
      expect(await crashesCounted('kafkajs')).toBe(0); // there from the start, so an alert's rate sees the first crash
      await waitFor(() => crashes.filter((c) => c.restartedBy === 'bus').length >= 2, {
        timeoutMs: 30_000,
        what: 'the bus starting the consumer again after kafkajs gave up, twice',
      });
      expect(crashes[0]).toMatchObject({ groupId, restartedBy: 'bus', restartInMs: 500 });
      expect(crashes[0]!.error.message).toMatch(/protocols are incompatible/);
      expect(crashes[1]).toMatchObject({ restartInMs: 1_000 }); // the pause doubles while it keeps crashing
      expect(await crashesCounted('bus')).toBeGreaterThanOrEqual(2);

      await other.disconnect();
      await bus.publish([{ topic, key: 'k', headers: {}, value: Buffer.from('after the crash') }]);
      await waitFor(() => received.length > 0, { timeoutMs: 60_000, what: 'the message consumed' });
      expect(received).toEqual(['after the crash']);
    } finally {
      await subscription.close();
      await other.disconnect();
      await bus.close();
    }
  }, 120_000);
});
