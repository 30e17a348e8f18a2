import { randomUUID } from 'node:crypto';
import { KafkaBus, type ReceivedMessage } from '@app/messaging';
import { describeIf, infraEnv, waitFor } from '@app/testing';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes `keys` (one message each, values as the keys' order) to a fresh one-partition topic before a consumer with
 * a 6 s session starts, so they arrive as one batch; resolves with the messages handled, in order, once `done` holds
 * and a redelivery would have had time to show.
 */
async function handleOneBatch(
  keys: readonly string[],
  handler: (message: ReceivedMessage) => Promise<void>,
  done: (handled: readonly ReceivedMessage[]) => boolean,
): Promise<ReceivedMessage[]> {
  const bus = new KafkaBus({
    brokers: infraEnv.kafkaBrokers!,
    clientId: `long-batch-${randomUUID().slice(0, 8)}`,
    sessionTimeoutMs: 6_000,
  });
  const topic = `long-batch.${randomUUID().slice(0, 12)}`;
  try {
    await bus.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
    await bus.publish(keys.map((key, i) => ({ topic, key, headers: {}, value: Buffer.from(String(i)) })));
    const handled: ReceivedMessage[] = [];
    const subscription = await bus.subscribe({
      groupId: `long-batch-${topic}`,
      topics: [topic],
      handler: async (message) => {
        await handler(message);
        handled.push(message);
      },
    });
    await waitFor(() => done(handled), { timeoutMs: 60_000, what: 'the batch handled' });
    await pause(3_000); // time for a redelivery, had the member been evicted
    await subscription.close();
    return handled;
  } finally {
    await bus.close();
  }
}

/**
 * A batch that takes longer than the group's session timeout: the consumer must heartbeat and commit while it works
 * through it, or the group evicts it mid-batch and what it already handled is delivered again.
 */
describeIf(infraEnv.kafkaBrokers)('a batch longer than the session timeout, on Kafka', () => {
  it('keeps the member alive while the first message alone outlasts the session and the others are done', async () => {
    // The slow message heads the batch: nothing can be committed before it finishes, 9 s later.
    const keys = ['slow', ...Array.from({ length: 6 }, (_, i) => `fast-${i}`)];
    const handled = await handleOneBatch(
      keys,
      async (message) => {
        if (message.key === 'slow') await pause(9_000);
      },
      (done) => done.some((m) => m.key === 'slow'),
    );
    expect(handled.map((m) => m.key).sort()).toEqual([...keys].sort());
  }, 90_000);
});
