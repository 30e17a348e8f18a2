import { randomUUID } from 'node:crypto';
import { createMessageBus, type MessageBus, type MessagingModuleOptions } from '@app/messaging';
import { infraEnv, waitFor } from '@app/testing';

/** `KAFKA_KEY_CONCURRENCY` reaches the bus a service is given, whichever bus it is (the in-process one too). */
const configurations: [string, MessagingModuleOptions][] = [['in-process', { keyConcurrency: 2 }]];
if (infraEnv.kafkaBrokers)
  configurations.push([
    'kafka',
    {
      kafka: { brokers: infraEnv.kafkaBrokers, clientId: `key-concurrency-${randomUUID().slice(0, 8)}` },
      keyConcurrency: 2,
    },
  ]);

describe.each(configurations)('the configured key concurrency on the %s bus', (_name, options) => {
  let bus: MessageBus;

  beforeAll(() => {
    bus = createMessageBus(options);
  });
  afterAll(async () => {
    if (bus.kind === 'kafka') await bus.close();
  });

  it('handles at most that many keys of a partition at once', async () => {
    const topic = `key-concurrency.${randomUUID().slice(0, 12)}`;
    await bus.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
    const active = new Set<string>();
    let most = 0;
    let handled = 0;
    const sub = await bus.subscribe({
      groupId: `g-${topic}`,
      topics: [topic],
      handler: async (m) => {
        active.add(m.key);
        most = Math.max(most, active.size);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active.delete(m.key);
        handled++;
      },
    });
    await bus.publish(
      Array.from({ length: 24 }, (_, n) => ({
        topic,
        key: `key-${n % 8}`,
        headers: {},
        value: Buffer.from(JSON.stringify({ n })),
      })),
    );
    await waitFor(() => handled === 24, { timeoutMs: 30_000, what: 'every message handled' });
    await sub.close();
    expect(most).toBe(2);
  });
});
