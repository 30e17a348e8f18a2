import { randomUUID } from 'node:crypto';
import { FORWARDS, START, jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import {
  AggregateStateCache,
  AggregateStore,
  CHAIN_HASH_FIELD,
  chainHashOf,
  type CommandContext,
} from '@app/event-store';
import { useTestEventStore } from '@app/testing/test-event-store';
import { counterDecider, type CounterState } from './counter.decider';

const ctx = (): CommandContext => ({ commandId: randomUUID(), actor: 'user-1', tenant: 'org-1' });

/** Every link of a stream's chain recomputed from what the store holds: the revisions that check, and where not. */
async function chainOf(client: EventStoreDBClient, stream: string) {
  const links: { revision: bigint; hash?: string; valid: boolean }[] = [];
  let previous: string | undefined;
  for await (const resolved of client.readStream(stream, { direction: FORWARDS, fromRevision: START })) {
    const event = resolved.event!;
    const metadata = event.metadata as Record<string, unknown>;
    const hash = metadata[CHAIN_HASH_FIELD] as string | undefined;
    if (hash === undefined) {
      links.push({ revision: event.revision, valid: false });
      continue;
    }
    const expected = chainHashOf(previous, { type: event.type, data: event.data, metadata, revision: event.revision });
    links.push({ revision: event.revision, hash, valid: hash === expected });
    previous = hash;
  }
  return links;
}

describe('the hash chain over every stream the aggregate store appends to', () => {
  const eventStore = useTestEventStore();
  const snapshots = {
    version: 1,
    every: 3,
    toSnapshot: (s: CounterState) => s,
    fromSnapshot: (s: unknown) => s as CounterState,
  };

  it('links every event to the one before, through multi-event appends, the state cache, snapshots and other instances', async () => {
    const stream = `counter-${randomUUID()}`;
    const cached = { decider: counterDecider, snapshots, cache: new AggregateStateCache<CounterState>() };
    const one = new AggregateStore(eventStore.client);
    await one.handle(stream, cached, { type: 'Open', id: stream }, ctx());
    for (let i = 0; i < 5; i++) await one.handle(stream, cached, { type: 'Add', amount: i + 1 }, ctx());
    // Another instance, cold: from the snapshot (which carries the head) plus the tail.
    await new Promise((r) => setTimeout(r, 100));
    const other = new AggregateStore(eventStore.client);
    await other.handle(stream, { decider: counterDecider, snapshots }, { type: 'Add', amount: 10 }, ctx());
    await other.handle(stream, { decider: counterDecider }, { type: 'Withdraw', amount: 1 }, ctx());
    await one.handle(stream, cached, { type: 'Add', amount: 2 }, ctx()); // its cache is behind: reads the tail
    const links = await chainOf(eventStore.client, stream);
    expect(links).toHaveLength(9);
    expect(links.every((l) => l.valid)).toBe(true);
    expect(new Set(links.map((l) => l.hash)).size).toBe(9);
  });

  it('a stream written before chains starts its chain at the first event appended since', async () => {
    const stream = `counter-${randomUUID()}`;
    await eventStore.client.appendToStream(stream, [
      jsonEvent({ type: 'Opened', data: { id: stream }, metadata: { correlationId: 'c', actor: 'a', schemaVersion: 1, commandId: 'x' } }),
      jsonEvent({ type: 'Added', data: { amount: 1 }, metadata: { correlationId: 'c', actor: 'a', schemaVersion: 1, commandId: 'y' } }),
    ]);
    const store = new AggregateStore(eventStore.client);
    await store.handle(stream, { decider: counterDecider }, { type: 'Add', amount: 2 }, ctx());
    await store.handle(stream, { decider: counterDecider }, { type: 'Add', amount: 3 }, ctx());
    const links = await chainOf(eventStore.client, stream);
    expect(links.map((l) => [l.revision, l.valid])).toEqual([
      [0n, false],
      [1n, false],
      [2n, true],
      [3n, true],
    ]);
    // The first chained event links to nothing before it.
    const first = links[2]!;
    expect(first.hash).toHaveLength(64);
  });

  it('the hash covers type, data, metadata and revision, and not the order of object keys', () => {
    const base = { type: 'Added', data: { amount: 1, note: 'x' }, metadata: { actor: 'a', tenant: 't' }, revision: 4n };
    const hash = chainHashOf('prev', base);
    expect(chainHashOf('prev', { ...base, data: { note: 'x', amount: 1 } })).toBe(hash);
    expect(chainHashOf('prev', { ...base, metadata: { ...base.metadata, [CHAIN_HASH_FIELD]: 'ignored' } })).toBe(hash);
    for (const changed of [
      { ...base, type: 'Withdrawn' },
      { ...base, data: { amount: 2, note: 'x' } },
      { ...base, metadata: { actor: 'b', tenant: 't' } },
      { ...base, revision: 5n },
    ])
      expect(chainHashOf('prev', changed)).not.toBe(hash);
    expect(chainHashOf('other', base)).not.toBe(hash);
    expect(chainHashOf(undefined, base)).toBe(chainHashOf('', base));
  });
});
