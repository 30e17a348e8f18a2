import { randomUUID } from 'node:crypto';
import { jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import {
  EventStoreCheckpointStore,
  InMemoryCheckpointStore,
  connectEventStore,
  followAll,
  followStream,
  type RecordedDomainEvent,
} from '@app/event-store';
import { startEmbeddedEventStore } from '@app/eventstore-server';
import { makeTempDir, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';

describe('followAll: checkpointed catch-up subscription to $all', () => {
  const eventStore = useTestEventStore();
  let client: EventStoreDBClient;
  beforeAll(() => {
    client = eventStore.client;
  });

  const meta = { correlationId: 'c', causationId: 'c', actor: 'system', schemaVersion: 1, commandId: 'x' };
  async function append(stream: string, count: number, from = 0) {
    await client.appendToStream(
      stream,
      Array.from({ length: count }, (_, i) =>
        jsonEvent({ type: 'Numbered', data: { n: from + i }, metadata: meta }),
      ),
    );
  }

  it('delivers only the followed prefixes, in order, catching up then live', async () => {
    const prefix = `fol${randomUUID().slice(0, 8)}-`;
    await append(`${prefix}a`, 3);
    await append(`other${prefix}b`, 2);
    const seen: RecordedDomainEvent[] = [];
    const sub = followAll({
      name: `t-${randomUUID()}`,
      client,
      checkpoints: new InMemoryCheckpointStore(),
      filter: { streamPrefixes: [prefix] },
      maxBatchSize: 100,
      handle: async (events) => void seen.push(...events),
    });
    await waitFor(() => seen.length === 3);
    await append(`${prefix}a`, 2, 3);
    await waitFor(() => seen.length === 5, { what: 'live events' });
    await sub.stop();
    expect(seen.map((e) => (e.event.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
    expect(seen.every((e) => e.streamName === `${prefix}a`)).toBe(true);
    expect(seen.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
  });

  it('stopped while its checkpoint is still loading, it stops (a service closed right after it started)', async () => {
    class SlowCheckpoints extends InMemoryCheckpointStore {
      override async load(name: string) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return super.load(name);
      }
    }
    const sub = followAll({
      name: `t-${randomUUID()}`,
      client,
      checkpoints: new SlowCheckpoints(),
      handle: async () => undefined,
    });
    const stopped = await Promise.race([
      sub.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('still running'), 3_000)),
    ]);
    expect(stopped).toBe('stopped');
  });

  it('resumes after the stored checkpoint: a restarted follower does not handle old events again', async () => {
    const prefix = `res${randomUUID().slice(0, 8)}-`;
    const name = `t-${randomUUID()}`;
    const checkpoints = new EventStoreCheckpointStore(client);
    await append(`${prefix}x`, 4);
    const first: number[] = [];
    const one = followAll({
      name,
      client,
      checkpoints,
      filter: { streamPrefixes: [prefix] },
      handle: async (events) => void first.push(...events.map((e) => (e.event.data as { n: number }).n)),
    });
    await waitFor(() => first.length === 4);
    await one.stop();
    expect(await checkpoints.load(name)).toMatch(/^\d+\/\d+$/);

    await append(`${prefix}x`, 2, 4);
    const second: number[] = [];
    const two = followAll({
      name,
      client,
      checkpoints,
      filter: { streamPrefixes: [prefix] },
      handle: async (events) => void second.push(...events.map((e) => (e.event.data as { n: number }).n)),
    });
    await waitFor(() => second.length === 2);
    await two.stop();
    expect(second).toEqual([4, 5]);
  });

  it('a failing handler is retried from the last handled event, never skipped', async () => {
    const prefix = `fail${randomUUID().slice(0, 8)}-`;
    await append(`${prefix}x`, 5);
    const handled: number[] = [];
    let failuresLeft = 3;
    const errors: unknown[] = [];
    const sub = followAll({
      name: `t-${randomUUID()}`,
      client,
      checkpoints: new InMemoryCheckpointStore(),
      filter: { streamPrefixes: [prefix] },
      retryDelayMs: 10,
      onError: (e) => errors.push(e),
      handle: async (events) => {
        for (const e of events) {
          const n = (e.event.data as { n: number }).n;
          if (n === 2 && failuresLeft-- > 0) throw new Error('transient');
          handled.push(n);
        }
      },
    });
    await waitFor(() => handled.length === 5);
    await sub.stop();
    expect(handled).toEqual([0, 1, 2, 3, 4]);
    expect(errors).toHaveLength(3);
  });

  it('followStream follows one stream and resumes after the last handled revision', async () => {
    const streamName = `single-${randomUUID()}`;
    const checkpoints = new InMemoryCheckpointStore();
    await append(streamName, 3);
    await append(`${streamName}-other`, 2);
    const first: number[] = [];
    const one = followStream({
      name: 'single',
      streamName,
      client,
      checkpoints,
      handle: async (events) => void first.push(...events.map((e) => (e.event.data as { n: number }).n)),
    });
    await waitFor(() => first.length === 3);
    await one.stop();
    expect(await checkpoints.load('single')).toBe('2');
    await append(streamName, 2, 3);
    const second: number[] = [];
    const two = followStream({
      name: 'single',
      streamName,
      client,
      checkpoints,
      handle: async (events) => void second.push(...events.map((e) => (e.event.data as { n: number }).n)),
    });
    await waitFor(() => second.length === 2);
    await two.stop();
    expect(first).toEqual([0, 1, 2]);
    expect(second).toEqual([3, 4]);
  });

  it('the server going away while a batch is being handled is reported, never an unhandled error', async () => {
    const dataDir = await makeTempDir('esdb-gone');
    const server = await startEmbeddedEventStore({ dataDir, port: 0, fsync: false });
    const own = connectEventStore(server.connectionString);
    await own.appendToStream('gone-1', jsonEvent({ type: 'Numbered', data: { n: 0 }, metadata: meta }));
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const errors: unknown[] = [];
    const sub = followAll({
      name: `t-${randomUUID()}`,
      client: own,
      checkpoints: new InMemoryCheckpointStore(),
      filter: { streamPrefixes: ['gone-'] },
      retryDelayMs: 10_000,
      onError: (e) => errors.push(e),
      handle: async () => {
        entered();
        await blocked;
      },
    });
    await inHandler;
    await server.close(); // cancels the subscription from the server side while the handler runs
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await waitFor(() => errors.length > 0, { what: 'the cancellation reported through onError' });
    await sub.stop();
    await own.dispose();
    expect(String(errors[0])).toMatch(/CANCELLED|UNAVAILABLE|cancel/i);
  });
});

describe('EventStoreCheckpointStore', () => {
  const eventStore = useTestEventStore();

  it('never moves a checkpoint back: an old holder saving its last batch after the next holder went further keeps the further one', async () => {
    const name = `relay-${randomUUID()}`;
    const oldLeader = new EventStoreCheckpointStore(eventStore.client);
    const newLeader = new EventStoreCheckpointStore(eventStore.client);
    expect(await oldLeader.load(name)).toBeUndefined();
    await oldLeader.save(name, '100/100');
    // The old leader's renewal hangs; the next one takes over from its checkpoint and goes on.
    expect(await newLeader.load(name)).toBe('100/100');
    await newLeader.save(name, '300/300');

    // The old leader's batch in flight lands, and it saves where it got to.
    await oldLeader.save(name, '200/200');
    expect(await new EventStoreCheckpointStore(eventStore.client).load(name)).toBe('300/300');

    // Further on than anything stored, it is saved; and so are the next holder's next positions.
    await oldLeader.save(name, '400/400');
    await newLeader.save(name, '500/500');
    expect(await new EventStoreCheckpointStore(eventStore.client).load(name)).toBe('500/500');
  });

  it('orders a stream follower’s revisions as numbers, not as text', async () => {
    const name = `follower-${randomUUID()}`;
    const a = new EventStoreCheckpointStore(eventStore.client);
    const b = new EventStoreCheckpointStore(eventStore.client);
    await a.load(name);
    await a.save(name, '9');
    await b.load(name);
    await b.save(name, '10');
    await a.save(name, '9');
    expect(await b.load(name)).toBe('10');
  });
});
