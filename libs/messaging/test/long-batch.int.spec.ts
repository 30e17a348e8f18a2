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
});
