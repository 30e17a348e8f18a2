import { randomUUID } from 'node:crypto';
import {
  ANY,
  AccessDeniedError,
  BACKWARDS,
  MaxAppendSizeExceededError,
  binaryEvent,
  END,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  jsonEvent,
  streamNameFilter,
  type EventStoreDBClient,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { startEmbeddedEventStore } from '@app/eventstore-server';
import { connectEventStore } from '@app/event-store';
import { makeTempDir, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';

/**
 * EventStoreDB's semantics as our code relies on them, stated through @eventstore/db-client only. Runs against the
 * embedded server always, and against a real EventStoreDB when EVENTSTORE_CONNECTION_STRING is set.
 */
describe('event store contract (EventStoreDB semantics)', () => {
  const eventStore = useTestEventStore();
  let client: EventStoreDBClient;
  beforeAll(() => {
    client = eventStore.client;
  });

  const stream = (prefix = 'contract') => `${prefix}-${randomUUID()}`;
  const ev = (type: string, n: number, id: string = randomUUID()) =>
    jsonEvent({ id, type, data: { n }, metadata: { by: 'test' } });
  async function readAll(name: string, options: Parameters<EventStoreDBClient['readStream']>[1] = {}) {
    const out: ResolvedEvent[] = [];
    for await (const e of client.readStream(name, options)) out.push(e);
    return out;
  }
  const numbers = (events: ResolvedEvent[]) => events.map((e) => (e.event!.data as { n: number }).n);

  describe('append and expected revision', () => {
    it('no_stream creates, stream_exists and the exact revision continue, any always appends', async () => {
      const s = stream();
      expect(
        (await client.appendToStream(s, ev('A', 0), { expectedRevision: NO_STREAM })).nextExpectedRevision,
      ).toBe(0n);
      expect(
        (await client.appendToStream(s, ev('A', 1), { expectedRevision: STREAM_EXISTS }))
          .nextExpectedRevision,
      ).toBe(1n);
      expect(
        (await client.appendToStream(s, [ev('A', 2), ev('A', 3)], { expectedRevision: 1n }))
          .nextExpectedRevision,
      ).toBe(3n);
      const last = await client.appendToStream(s, ev('A', 4), { expectedRevision: ANY });
      expect(last.nextExpectedRevision).toBe(4n);
      expect(last.position!.commit).toBeGreaterThan(0n);
      expect(numbers(await readAll(s))).toEqual([0, 1, 2, 3, 4]);
    });

    it('a wrong expectation is a WrongExpectedVersionError with the current revision, and appends nothing', async () => {
      const s = stream();
      await client.appendToStream(s, [ev('A', 0), ev('A', 1)]);
      const stale = await client
        .appendToStream(s, ev('A', 9), { expectedRevision: 0n })
        .catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(WrongExpectedVersionError);
      expect((stale as WrongExpectedVersionError).actualVersion).toBe(1n);
      await expect(
        client.appendToStream(s, ev('A', 9), { expectedRevision: NO_STREAM }),
      ).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(
        client.appendToStream(stream(), ev('A', 9), { expectedRevision: STREAM_EXISTS }),
      ).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect(numbers(await readAll(s))).toEqual([0, 1]);
    });

    it('a retried append of the same event ids at the same expected revision succeeds once (idempotence)', async () => {
      const s = stream();
      await client.appendToStream(s, ev('A', 0), { expectedRevision: NO_STREAM });
      const batch = [ev('A', 1, randomUUID()), ev('A', 2, randomUUID())];
      const first = await client.appendToStream(s, batch, { expectedRevision: 0n });
      const retried = await client.appendToStream(s, batch, { expectedRevision: 0n });
      expect(retried.nextExpectedRevision).toBe(first.nextExpectedRevision);
      expect(numbers(await readAll(s))).toEqual([0, 1, 2]);
    });

    it('a retry under any whose first event is written but not the rest is a WrongExpectedVersion, and writes nothing', async () => {
      const s = stream();
      const written = ev('A', 0);
      await client.appendToStream(s, written, { expectedRevision: ANY });
      const partly = await client
        .appendToStream(s, [written, ev('A', 1)], { expectedRevision: ANY })
        .catch((e: unknown) => e);
      expect(partly).toBeInstanceOf(WrongExpectedVersionError);
      expect(numbers(await readAll(s))).toEqual([0]);
      // All of it written already: acknowledged again, nothing twice.
      await client.appendToStream(s, written, { expectedRevision: ANY });
      expect(numbers(await readAll(s))).toEqual([0]);
    });

    it('of 20 concurrent appends expecting the same revision, exactly one wins', async () => {
      const s = stream();
      await client.appendToStream(s, ev('A', 0));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          client.appendToStream(s, ev('B', i + 1), { expectedRevision: 0n }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(
        results.filter((r) => r.status === 'rejected' && r.reason instanceof WrongExpectedVersionError),
      ).toHaveLength(19);
      expect(await readAll(s)).toHaveLength(2);
    });

    it('keeps type, content type, data, metadata, id and created exactly', async () => {
      const s = stream();
      const id = randomUUID();
      const before = Date.now();
      await client.appendToStream(
        s,
        jsonEvent({ id, type: 'Typed', data: { a: [1, 'two', null] }, metadata: { m: true } }),
      );
      const [read] = await readAll(s);
      expect(read!.event).toMatchObject({
        id,
        type: 'Typed',
        isJson: true,
        data: { a: [1, 'two', null] },
        metadata: { m: true },
        revision: 0n,
        streamId: s,
      });
      expect(read!.event!.created.getTime()).toBeGreaterThanOrEqual(before - 1000);
    });
  });

  describe('what the server refuses on append (so what works here works in production)', () => {
    const MiB = 1_048_576;
    // Unary Append (with per-call credentials) and BatchAppend (the client's default) answer alike.
    const paths = [
      ['BatchAppend', {}],
      ['Append', { credentials: { username: 'admin', password: 'changeit' } }],
    ] as const;
    const sized = (bytes: number, type = 'Big') =>
      binaryEvent({ type, data: Buffer.alloc(bytes - 2 * type.length, 1), metadata: Buffer.alloc(0) });

    it.each(paths)(
      '%s: an append over the 1 MiB default is MaxAppendSizeExceeded, naming the limit, and writes nothing',
      async (_path, options) => {
        const s = stream();
        const refused = await client.appendToStream(s, sized(MiB + 1), options).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(MaxAppendSizeExceededError);
        expect((refused as MaxAppendSizeExceededError).maxAppendSize).toBe(MiB);
        await expect(readAll(s)).rejects.toBeInstanceOf(StreamNotFoundError);
        const split = await client
          .appendToStream(s, [sized(MiB / 2), sized(MiB / 2 + 1)], options)
          .catch((e: unknown) => e);
        expect(split).toBeInstanceOf(MaxAppendSizeExceededError);
        expect((await client.appendToStream(s, sized(MiB), options)).nextExpectedRevision).toBe(0n);
      },
    );

    it.each(paths)(
      '%s: an event id that is not a UUID is refused and writes nothing; other spellings of a UUID are the same id',
      async (_path, options) => {
        const s = stream();
        for (const id of ['order-1-evt', `${randomUUID()}0`, randomUUID().replace(/-/g, '').slice(2)]) {
          const refused = await client
            .appendToStream(s, [ev('A', 0), ev('A', 1, id)], options)
            .catch((e: unknown) => e);
          expect([id, refused]).toEqual([id, expect.any(Error)]);
        }
        await expect(readAll(s)).rejects.toBeInstanceOf(StreamNotFoundError);
        const id = randomUUID();
        await client.appendToStream(s, ev('A', 0, `{${id.toUpperCase()}}`), {
          ...options,
          expectedRevision: NO_STREAM,
        });
        // The same id hyphen-less is the same event: a retry, not a second one.
        await client.appendToStream(s, ev('A', 0, id.replace(/-/g, '')), {
          ...options,
          expectedRevision: NO_STREAM,
        });
        expect((await readAll(s)).map((e) => e.event!.id)).toEqual([id]);
      },
    );

    it.each(paths)(
      '%s: the empty stream name, $all and system streams are refused as access denied',
      async (_path, options) => {
        for (const name of ['', '$all', '$settings', '$et-Created', '$$$settings']) {
          const refused = await client.appendToStream(name, ev('A', 0), options).catch((e: unknown) => e);
          expect([name, refused]).toEqual([name, expect.any(AccessDeniedError)]);
        }
        const own = stream();
        await client.setStreamMetadata(own, { maxCount: 5 });
        expect((await client.getStreamMetadata(own)).metadata).toMatchObject({ maxCount: 5 });
      },
    );
  });

  describe('reading', () => {
    it('reads a stream forwards and backwards from a revision with a count', async () => {
      const s = stream();
      await client.appendToStream(
        s,
        Array.from({ length: 10 }, (_, n) => ev('A', n)),
      );
      expect(numbers(await readAll(s, { fromRevision: 3n, maxCount: 4 }))).toEqual([3, 4, 5, 6]);
      expect(numbers(await readAll(s, { direction: BACKWARDS, fromRevision: END, maxCount: 3 }))).toEqual([
        9, 8, 7,
      ]);
      expect(numbers(await readAll(s, { direction: BACKWARDS, fromRevision: 2n }))).toEqual([2, 1, 0]);
      expect(await readAll(s, { fromRevision: 10n })).toEqual([]);
    });

    it('reading a missing stream is a StreamNotFoundError', async () => {
      await expect(readAll(stream())).rejects.toBeInstanceOf(StreamNotFoundError);
    });

    it('reads $all forwards and backwards from a position, in commit order', async () => {
      const s = stream();
      await client.appendToStream(
        s,
        Array.from({ length: 5 }, (_, n) => ev('A', n)),
      );
      const mine = async (options: Parameters<EventStoreDBClient['readAll']>[0]) => {
        const out: { n: number; commit: bigint }[] = [];
        for await (const e of client.readAll(options)) {
          if (e.event?.streamId === s)
            out.push({ n: (e.event.data as { n: number }).n, commit: e.event.position.commit });
        }
        return out;
      };
      const forwards = await mine({ direction: FORWARDS, fromPosition: START });
      expect(forwards.map((e) => e.n)).toEqual([0, 1, 2, 3, 4]);
      expect([...forwards].sort((a, b) => Number(a.commit - b.commit))).toEqual(forwards);
      const third = forwards[2]!.commit;
      const fromThird = await mine({ direction: FORWARDS, fromPosition: { commit: third, prepare: third } });
      expect(fromThird.map((e) => e.n)).toEqual([2, 3, 4]);
      const beforeThird = await mine({
        direction: BACKWARDS,
        fromPosition: { commit: third, prepare: third },
      });
      expect(beforeThird.map((e) => e.n)).toEqual([1, 0]);
      const lastTwo: number[] = [];
      for await (const e of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 2 })) {
        if (e.event) lastTwo.push(Number(e.event.position.commit));
      }
      expect(lastTwo[0]).toBeGreaterThan(lastTwo[1]!);
    });
  });

  describe('subscriptions', () => {
    it('subscribes to a stream from a revision: catch-up, caught-up, then live, without gap or duplicate', async () => {
      const s = stream();
      await client.appendToStream(
        s,
        Array.from({ length: 3 }, (_, n) => ev('A', n)),
      );
      const seen: number[] = [];
      let caughtUp = false;
      const sub = client.subscribeToStream(s, { fromRevision: 0n });
      sub.on('caughtUp', () => (caughtUp = true));
      sub.on('data', (e: ResolvedEvent) => seen.push((e.event!.data as { n: number }).n));
      await waitFor(() => seen.length === 2 && caughtUp);
      await client.appendToStream(s, [ev('A', 3), ev('A', 4)]);
      await waitFor(() => seen.length === 4);
      await sub.unsubscribe();
      expect(seen).toEqual([1, 2, 3, 4]);
    });

    it('subscribes to $all filtered by stream prefix, with checkpoints for the filtered-out stretches', async () => {
      const prefix = `pre${randomUUID().slice(0, 8)}`;
      const checkpoints: bigint[] = [];
      const seen: string[] = [];
      const sub = client.subscribeToAll({
        fromPosition: END,
        filter: streamNameFilter({
          prefixes: [`${prefix}-`],
          checkpointInterval: 1,
          checkpointReached: (_s, position) => void checkpoints.push(position.commit),
        }),
      });
      sub.on('data', (e: ResolvedEvent) => seen.push(e.event!.streamId));
      await new Promise((resolve) => sub.once('confirmation', resolve));
      for (let i = 0; i < 40; i++) await client.appendToStream(stream('noise'), ev('Noise', i));
      await client.appendToStream(`${prefix}-1`, ev('A', 0));
      await client.appendToStream(`other-${prefix}-1`, ev('A', 0));
      await client.appendToStream(`${prefix}-2`, ev('A', 1));
      await waitFor(() => seen.length === 2);
      await waitFor(() => checkpoints.length > 0, { what: 'a checkpoint' });
      await sub.unsubscribe();
      expect(seen).toEqual([`${prefix}-1`, `${prefix}-2`]);
    });

    it('subscribes to $all filtered by event type, from a position (exclusive)', async () => {
      const type = `Type${randomUUID().slice(0, 8)}`;
      const s = stream();
      const first = await client.appendToStream(s, [jsonEvent({ type, data: { n: 0 } })]);
      await client.appendToStream(s, [ev('Other', 1), jsonEvent({ type, data: { n: 2 } })]);
      const seen: number[] = [];
      const sub = client.subscribeToAll({
        fromPosition: first.position!,
        filter: eventTypeFilter({ prefixes: [type] }),
      });
      sub.on('data', (e: ResolvedEvent) => seen.push((e.event!.data as { n: number }).n));
      await waitFor(() => seen.length === 1);
      await client.appendToStream(s, jsonEvent({ type, data: { n: 3 } }));
      await waitFor(() => seen.length === 2);
      await sub.unsubscribe();
      expect(seen).toEqual([2, 3]);
    });
  });

  describe('deletion and metadata', () => {
    it('a soft-deleted stream reads as not found; appending recreates it and revisions continue', async () => {
      const s = stream();
      await client.appendToStream(s, [ev('A', 0), ev('A', 1)]);
      await client.deleteStream(s);
      await expect(readAll(s)).rejects.toBeInstanceOf(StreamNotFoundError);
      const again = await client.appendToStream(s, ev('A', 2));
      expect(again.nextExpectedRevision).toBe(2n);
      expect(numbers(await readAll(s))).toEqual([2]);
    });

    it('honours $maxCount from stream metadata on reads', async () => {
      const s = stream();
      await client.setStreamMetadata(s, { maxCount: 2 });
      await client.appendToStream(
        s,
        Array.from({ length: 5 }, (_, n) => ev('A', n)),
      );
      expect(numbers(await readAll(s))).toEqual([3, 4]);
      expect((await client.getStreamMetadata(s)).metadata).toMatchObject({ maxCount: 2 });
    });
  });
});

describe('embedded server limits', () => {
  it('MaxAppendSize is configurable within the real server’s bounds', async () => {
    const dataDir = await makeTempDir('esdb-limits');
    const server = await startEmbeddedEventStore({ port: 0, dataDir, fsync: false, maxAppendSize: 2_000 });
    const small = connectEventStore(server.connectionString);
    try {
      const refused = await small
        .appendToStream('limits-1', jsonEvent({ type: 'A', data: { x: 'y'.repeat(3_000) } }))
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({ maxAppendSize: 2_000 });
    } finally {
      await small.dispose();
      await server.close();
    }
    await expect(startEmbeddedEventStore({ port: 0, dataDir, maxAppendSize: 16_767_217 })).rejects.toThrow(
      /maxAppendSize/,
    );
  });

  it('a stream name or type over 65,535 bytes is a bad request (the log keeps each in 16 bits), and the server serves on', async () => {
    const dataDir = await makeTempDir('esdb-names');
    const server = await startEmbeddedEventStore({ port: 0, dataDir, fsync: false });
    const client = connectEventStore(server.connectionString);
    const long = 'é'.repeat(32_768);
    try {
      for (const [stream, event] of [
        [long, jsonEvent({ type: 'A', data: {} })],
        ['names-1', jsonEvent({ type: long, data: {} })],
      ] as const) {
        const refused = await client.appendToStream(stream, event).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(Error);
        expect(String(refused)).not.toMatch(/WrongExpectedVersion/);
      }
      // Each just under the bound is kept, and the server is still up.
      const fits = 'x'.repeat(65_535);
      await client.appendToStream(fits, jsonEvent({ type: fits, data: { n: 1 } }));
      const [read] = await (async () => {
        const out: ResolvedEvent[] = [];
        for await (const e of client.readStream(fits)) out.push(e);
        return out;
      })();
      expect(read!.event!.type).toBe(fits);
    } finally {
      await client.dispose();
      await server.close();
    }
  });
});

describe('embedded server durability', () => {
  it('keeps every acknowledged event across a restart and continues at the right revision', async () => {
    const dataDir = await makeTempDir('esdb-restart');
    const first = await startEmbeddedEventStore({ dataDir, port: 0, fsync: true });
    let client = connectEventStore(first.connectionString);
    await client.appendToStream(
      'durable-1',
      Array.from({ length: 50 }, (_, n) => jsonEvent({ type: 'A', data: { n } })),
    );
    await client.dispose();
    await first.close();

    const second = await startEmbeddedEventStore({ dataDir, port: 0, fsync: true });
    client = connectEventStore(second.connectionString);
    try {
      expect(second.eventCount).toBe(50);
      const next = await client.appendToStream('durable-1', jsonEvent({ type: 'A', data: { n: 50 } }), {
        expectedRevision: 49n,
      });
      expect(next.nextExpectedRevision).toBe(50n);
      let count = 0;
      for await (const _ of client.readStream('durable-1')) count++;
      expect(count).toBe(51);
    } finally {
      await client.dispose();
      await second.close();
    }
  });

  it('a stream deleted and recreated is still there after a restart, at the same revision', async () => {
    const dataDir = await makeTempDir('esdb-recreated');
    const first = await startEmbeddedEventStore({ dataDir, port: 0, fsync: false });
    let client = connectEventStore(first.connectionString);
    await client.appendToStream('recreated-1', [
      jsonEvent({ type: 'A', data: { n: 0 } }),
      jsonEvent({ type: 'A', data: { n: 1 } }),
    ]);
    await client.deleteStream('recreated-1');
    await client.appendToStream('recreated-1', jsonEvent({ type: 'A', data: { n: 2 } }));
    await client.dispose();
    await first.close();

    const second = await startEmbeddedEventStore({ dataDir, port: 0, fsync: false });
    client = connectEventStore(second.connectionString);
    try {
      const next = await client.appendToStream('recreated-1', jsonEvent({ type: 'A', data: { n: 3 } }), {
        expectedRevision: 2n,
      });
      expect(next.nextExpectedRevision).toBe(3n);
      const created = await client
        .appendToStream('recreated-1', jsonEvent({ type: 'A', data: { n: 4 } }), {
          expectedRevision: 'no_stream',
        })
        .catch((error: unknown) => error);
      expect(created).toBeInstanceOf(WrongExpectedVersionError);
      const read: number[] = [];
      for await (const e of client.readStream('recreated-1')) read.push((e.event!.data as { n: number }).n);
      expect(read).toEqual([2, 3]);
    } finally {
      await client.dispose();
      await second.close();
    }
  });
});
