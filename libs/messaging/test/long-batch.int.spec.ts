import { randomUUID } from 'node:crypto';
import { KafkaBus } from '@app/messaging';
import { describeIf, infraEnv, waitFor } from '@app/testing';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A batch that takes longer than the group's session timeout: the consumer must heartbeat and commit while it works
 * through it, or the group evicts it mid-batch and what it already handled is delivered again.
 */
describeIf(infraEnv.kafkaBrokers)('a batch longer than the session timeout, on Kafka', () => {
  it('is handled once, message by message, without the member being evicted', async () => {
    const bus = new KafkaBus({
      brokers: infraEnv.kafkaBrokers!,
      clientId: `long-batch-${randomUUID().slice(0, 8)}`,
      sessionTimeoutMs: 6_000,
    });
    const topic = `long-batch.${randomUUID().slice(0, 12)}`;
    try {
      await bus.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
      // Published before the consumer starts, so they arrive as one batch of one partition, handled one at a time.
      const count = 12;
      await bus.publish(
        Array.from({ length: count }, (_, i) => ({
          topic,
          key: 'one-key',
          headers: {},
          value: Buffer.from(String(i)),
        })),
      );
      const handled: string[] = [];
      const subscription = await bus.subscribe({
        groupId: `long-batch-${topic}`,
        topics: [topic],
        keyConcurrency: 1,
        handler: async (message) => {
          await pause(800); // 12 x 0.8 s = 9.6 s, well past the 6 s session
          handled.push(message.value.toString('utf8'));
        },
      });
      await waitFor(() => handled.length >= count, { timeoutMs: 60_000, what: `${count} messages handled` });
      await pause(3_000); // time for a redelivery, had the member been evicted
      await subscription.close();
      expect(handled).toEqual(Array.from({ length: count }, (_, i) => String(i)));
    } finally {
      await bus.close();
    }
  }, 90_000);
  it('keeps the member alive while the first message alone outlasts the session and the others are done', async () => {
    const bus = new KafkaBus({
      brokers: infraEnv.kafkaBrokers!,
      clientId: `long-head-${randomUUID().slice(0, 8)}`,
      sessionTimeoutMs: 6_000,
    });
    const topic = `long-head.${randomUUID().slice(0, 12)}`;
    try {
      await bus.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
      // The slow message heads the batch: nothing can be committed before it finishes, 9 s later.
      const keys = ['slow', ...Array.from({ length: 6 }, (_, i) => `fast-${i}`)];
      await bus.publish(keys.map((key) => ({ topic, key, headers: {}, value: Buffer.from(key) })));
      const handled: string[] = [];
      const subscription = await bus.subscribe({
        groupId: `long-head-${topic}`,
        topics: [topic],
        handler: async (message) => {
          if (message.key === 'slow') await pause(9_000);
          handled.push(message.key);
        },
      });
      await waitFor(() => handled.includes('slow'), { timeoutMs: 60_000, what: 'the slow message handled' });
      await pause(3_000); // time for a redelivery, had the member been evicted
      await subscription.close();
      expect([...handled].sort()).toEqual([...keys].sort());
    } finally {
      await bus.close();
    }
  }, 90_000);
});
