import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { EventStoreCheckpointStore } from '@app/event-store';
import {
  DLQ_HEADERS,
  dlqTopic,
  InProcessBus,
  KafkaBus,
  type BusMessage,
  type ReceivedMessage,
} from '@app/messaging';
import { publicEventMessages, startEventRelay } from '@app/relay';
import { describeIf, infraEnv, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { toTestMessages } from './relay-mapping';

const meta = { correlationId: 'c', causationId: 'c', actor: 'system', schemaVersion: 1, commandId: 'x' };

async function appendMany(
  client: EventStoreDBClient,
  prefix: string,
  aggregates: number,
  perAggregate: number,
) {
  for (let n = 0; n < perAggregate; n++) {
    await Promise.all(
      Array.from({ length: aggregates }, (_, a) =>
        client.appendToStream(`${prefix}${a}`, jsonEvent({ type: 'Counted', data: { n }, metadata: meta })),
      ),
    );
  }
}

/** Every event arrived at least once, and per aggregate the first arrivals are in revision order. */
function expectCompleteAndOrdered(
  received: { key: string; revision: number }[],
  aggregates: number,
  perAggregate: number,
) {
  const firstSeen = new Map<string, number[]>();
  const seen = new Set<string>();
  for (const { key, revision } of received) {
    const id = `${key}@${revision}`;
    if (seen.has(id)) continue;
    seen.add(id);
    firstSeen.set(key, [...(firstSeen.get(key) ?? []), revision]);
  }
  expect(seen.size).toBe(aggregates * perAggregate);
  for (const revisions of firstSeen.values()) {
    expect(revisions).toEqual(Array.from({ length: perAggregate }, (_, r) => r));
  }
}

describe('event relay: EventStoreDB -> bus, checkpoint after the broker acknowledged', () => {
  const eventStore = useTestEventStore();
  let client: EventStoreDBClient;
  beforeAll(() => {
    client = eventStore.client;
  });

  it('publishes only its prefixes, keyed by aggregate, and loses nothing when publishing fails part-way', async () => {
    const prefix = `relay${randomUUID().slice(0, 6)}-`;
    const topic = `relay.${randomUUID().slice(0, 8)}`;
    const bus = new InProcessBus();
    await bus.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
    const received: { key: string; revision: number }[] = [];
    const sub = await bus.subscribe({
      groupId: 'probe',
      topics: [topic],
      handler: async (m: ReceivedMessage) =>
        void received.push({ key: m.key, revision: Number(m.headers.ce_revision) }),
    });
    let failures = 0;
    const checkpoints = new EventStoreCheckpointStore(client);
    const relay = startEventRelay({
      name: `relay-${randomUUID()}`,
      client,
      checkpoints,
      streamPrefixes: [prefix],
      toMessages: toTestMessages(topic),
      maxBatchSize: 25,
      checkpointEveryMs: 0,
      retryDelayMs: 5,
      // A broker that acknowledges only part of some batches, then fails: the relay must resend, never skip.
      publish: async (messages: BusMessage[]) => {
        if (Math.random() < 0.3) {
          failures++;
          await bus.publish(messages.slice(0, Math.floor(messages.length / 2)));
          throw new Error('broker unavailable');
        }
        await bus.publish(messages);
      },
    });
    await client.appendToStream(
      `other-${prefix}0`,
      jsonEvent({ type: 'Counted', data: { n: 0 }, metadata: meta }),
    );
    await appendMany(client, prefix, 5, 40);
    await waitFor(() => new Set(received.map((r) => `${r.key}@${r.revision}`)).size === 200, {
      timeoutMs: 20_000,
    });
    await relay.stop();
    await sub.close();
    expect(failures).toBeGreaterThan(0);
    expect(received.every((r) => r.key.startsWith(prefix))).toBe(true);
    expectCompleteAndOrdered(received, 5, 40);
  });

  it('sets an event its contract refuses aside on the dead-letter topic and publishes the ones after it', async () => {
    const prefix = `usr${randomUUID().slice(0, 6)}-`;
    const topic = `relay.${randomUUID().slice(0, 8)}`;
    const bus = new InProcessBus();
    await bus.ensureTopics([
      { topic, partitions: 1, replicationFactor: 1 },
      { topic: dlqTopic(topic), partitions: 1, replicationFactor: 1 },
    ]);
    const published: string[] = [];
    const setAside: ReceivedMessage[] = [];
    const subs = [
      await bus.subscribe({
        groupId: 'probe',
        topics: [topic],
        handler: async (m) => void published.push(m.headers.ce_type!),
      }),
      await bus.subscribe({
        groupId: 'probe-dlq',
        topics: [dlqTopic(topic)],
        handler: async (m) => void setAside.push(m),
      }),
    ];
    const reported: string[] = [];
    const relay = startEventRelay({
      name: `relay-${randomUUID()}`,
      client,
      checkpoints: new EventStoreCheckpointStore(client),
      streamPrefixes: [prefix],
      toMessages: publicEventMessages(
        { service: 'identity', topic, source: '/test', streamPrefix: prefix },
        (error) => reported.push(error.eventType),
      ),
      publish: (messages) => bus.publish(messages),
    });
    const at = new Date().toISOString();
    const user = { userId: 'u1', actorId: 'op', at };
    for (const [type, data] of [
      ['UserLocked', { ...user, reason: 'abuse' }],
      ['EmailVerified', { ...user, email: 'zoë@exämple.test' }],
      ['UserUnlocked', user],
    ] as const)
      await client.appendToStream(`${prefix}u1`, jsonEvent({ type, data, metadata: meta }));
    await waitFor(() => published.length === 2 && setAside.length === 1, { timeoutMs: 20_000 });
    await relay.stop();
    for (const sub of subs) await sub.close();
    expect(published).toEqual(['identity.UserLocked.v1', 'identity.UserUnlocked.v1']);
    expect(reported).toEqual(['identity.EmailVerified.v1']);
    expect(setAside[0]!.headers[DLQ_HEADERS.originalTopic]).toBe(topic);
    expect(setAside[0]!.headers[DLQ_HEADERS.error]).toContain('/email must match format');
    expect(JSON.parse(setAside[0]!.value.toString())).toMatchObject({
      type: 'identity.EmailVerified.v1',
      revision: '1',
    });
  });

  describeIf(infraEnv.kafkaBrokers)('against Kafka, in its own process', () => {
    it('is SIGKILLed at random moments while events are appended, and on restart nothing is lost', async () => {
      const brokers = infraEnv.kafkaBrokers!;
      const prefix = `kill${randomUUID().slice(0, 6)}-`;
      const topic = `relay.kill.${randomUUID().slice(0, 8)}`;
      const bus = new KafkaBus({ brokers, clientId: 'relay-kill-probe' });
      await bus.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
      const received: { key: string; revision: number }[] = [];
      const sub = await bus.subscribe({
        groupId: `probe-${topic}`,
        topics: [topic],
        handler: async (m) => void received.push({ key: m.key, revision: Number(m.headers.ce_revision) }),
      });
      const env = {
        ...process.env,
        RELAY_ESDB: eventStore.store.connectionString,
        KAFKA_BROKERS: brokers.join(','),
        RELAY_NAME: `relay-${topic}`,
        RELAY_PREFIX: prefix,
        RELAY_TOPIC: topic,
      };
      const startRelay = () =>
        spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'relay-process.ts')], {
          env,
          stdio: 'ignore',
        });
      let child: ChildProcess = startRelay();
      const appending = appendMany(client, prefix, 10, 60);
      for (let kill = 0; kill < 3; kill++) {
        await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 1500));
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
        child = startRelay();
      }
      await appending;
      try {
        await waitFor(() => new Set(received.map((r) => `${r.key}@${r.revision}`)).size === 600, {
          timeoutMs: 60_000,
          what: 'all 600 events on Kafka',
        });
      } finally {
        child.kill('SIGKILL');
        await sub.close();
        await bus.close();
      }
      expectCompleteAndOrdered(received, 10, 60);
    }, 120_000);
  });
});
