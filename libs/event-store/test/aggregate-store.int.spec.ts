import { randomBytes, randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  FORWARDS,
  START,
  binaryEvent,
  jsonEvent,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import { DomainError } from '@app/domain';
import {
  AggregateStateCache,
  AggregateStore,
  ConcurrencyConflictError,
  chainHashOf,
  Upcasters,
  deterministicEventId,
  snapshotStreamOf,
  type CommandContext,
} from '@app/event-store';
import { useTestEventStore } from '@app/testing/test-event-store';
import { waitFor } from '@app/testing';
import { counterDecider, type CounterState } from './counter.decider';

const ctx = (commandId: string = randomUUID()): CommandContext => ({
  commandId,
  actor: 'user-1',
  correlationId: 'corr-1',
  tenant: 'org-1',
});

describe('AggregateStore against the event store', () => {
  const eventStore = useTestEventStore();
  let client: EventStoreDBClient;
  let store: AggregateStore;
  const counter = { decider: counterDecider };
  beforeAll(() => {
    client = eventStore.client;
    store = new AggregateStore(client, { maxAttempts: 100 });
  });

  const stream = () => `counter-${randomUUID()}`;

  it('creates a stream, folds it back, and stores metadata with every event (R21)', async () => {
    const s = stream();
    const first = await store.handle(s, counter, { type: 'Open', id: s }, ctx());
    expect(first.revision).toBe(0n);
    await store.handle(s, counter, { type: 'Add', amount: 5 }, ctx());
    const loaded = await store.load(s, counter);
    expect(loaded.state).toEqual({ opened: true, balance: 5, events: 2 });
    expect(loaded.revision).toBe(1n);
    for await (const e of client.readStream(s, { direction: FORWARDS, fromRevision: START })) {
      expect(e.event?.metadata).toMatchObject({
        actor: 'user-1',
        correlationId: 'corr-1',
        tenant: 'org-1',
        schemaVersion: 1,
      });
    }
  });

  it('refuses with the domain error and appends nothing', async () => {
    const s = stream();
    await store.handle(s, counter, { type: 'Open', id: s }, ctx());
    await expect(store.handle(s, counter, { type: 'Withdraw', amount: 1 }, ctx())).rejects.toBeInstanceOf(
      DomainError,
    );
    expect((await store.load(s, counter)).revision).toBe(0n);
  });

  it('a retried command (same command id) appends once and reports the duplicate', async () => {
    const s = stream();
    await store.handle(s, counter, { type: 'Open', id: s }, ctx());
    const commandId = randomUUID();
    const once = await store.handle(s, counter, { type: 'Add', amount: 7 }, ctx(commandId));
    const again = await store.handle(s, counter, { type: 'Add', amount: 7 }, ctx(commandId));
    expect(once.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect((await store.load(s, counter)).state.balance).toBe(7);
  });

  it('uses deterministic event ids derived from the stream, the command id and the chain hash', async () => {
    const [s, t] = [stream(), stream()];
    const commandId = randomUUID();
    await store.handle(s, counter, { type: 'Open', id: s }, ctx(commandId));
    await store.handle(t, counter, { type: 'Open', id: t }, ctx(commandId));
    const ids: string[] = [];
    const expected: string[] = [];
    for (const name of [s, t])
      for await (const e of client.readStream(name)) {
        ids.push(e.event!.id);
        const hash = (e.event!.metadata as { chainHash: string }).chainHash;
        expected.push(deterministicEventId(name, commandId, 0, hash));
      }
    expect(ids).toEqual(expected);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('two handlings of one command that race with different metadata: one is stored, the other is a duplicate', async () => {
    const s = stream();
    await store.handle(s, counter, { type: 'Open', id: s }, ctx());
    const cached = { decider: counterDecider, cache: new AggregateStateCache<CounterState>() };
    const first = new AggregateStore(client);
    const second = new AggregateStore(client);
    await second.load(s, cached); // warm: its cache holds the head
    await second.handle(s, cached, { type: 'Add', amount: 0 }, ctx());
    const commandId = randomUUID();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The second handling decides on the same state as the first, but appends after it, under another trace.
    const late = second.handle(
      s,
      cached,
      async () => {
        await held;
        return { command: { type: 'Add' as const, amount: 3 } };
      },
      { ...ctx(commandId), correlationId: 'corr-late' },
    );
    await new Promise((r) => setTimeout(r, 20));
    const early = await first.handle(
      s,
      counter,
      { type: 'Add', amount: 3 },
      { ...ctx(commandId), correlationId: 'corr-early' },
    );
    release();
    const answer = await late;
    expect(early.duplicate).toBe(false);
    expect(answer.duplicate).toBe(true);
    // The loser's cache holds the stored head: its next event links to what the store holds.
    await second.handle(s, cached, { type: 'Add', amount: 1 }, ctx());
    let previous: string | undefined;
    const correlations: string[] = [];
    for await (const e of client.readStream(s)) {
      const metadata = e.event!.metadata as Record<string, unknown>;
      correlations.push(String(metadata.correlationId));
      expect(metadata.chainHash).toBe(
        chainHashOf(previous, {
          type: e.event!.type,
          data: e.event!.data,
          metadata,
          revision: e.event!.revision,
        }),
      );
      previous = metadata.chainHash as string;
    }
    expect(correlations.filter((c) => c === 'corr-early')).toHaveLength(1);
    expect(correlations).not.toContain('corr-late');
    expect((await store.load(s, counter)).state.balance).toBe(4);
  });

  describe('several commands appended together (handleAll)', () => {
    const chainOf = async (name: string) => {
      const read: { revision: bigint; commandId: string; id: string; index: number }[] = [];
      let previous: string | undefined;
      const perCommand = new Map<string, number>();
      for await (const e of client.readStream(name)) {
        const metadata = e.event!.metadata as Record<string, unknown>;
        expect(metadata.chainHash).toBe(
          chainHashOf(previous, {
            type: e.event!.type,
            data: e.event!.data,
            metadata,
            revision: e.event!.revision,
          }),
        );
        previous = metadata.chainHash as string;
        const commandId = String(metadata.commandId);
        const index = perCommand.get(commandId) ?? 0;
        perCommand.set(commandId, index + 1);
        read.push({ revision: e.event!.revision, commandId, id: e.event!.id, index });
        expect(e.event!.id).toBe(deterministicEventId(name, commandId, index, previous));
      }
      return read;
    };

    it('decides each on the state the ones before it left, answers each as handle would, and appends once', async () => {
      const s = stream();
      const [open, add, overdraw, withdraw, same] = [
        randomUUID(),
        randomUUID(),
        randomUUID(),
        randomUUID(),
        randomUUID(),
      ];
      const answers = await store.handleAll(s, counter, [
        { command: { type: 'Open', id: s }, context: ctx(open) },
        { command: { type: 'Add', amount: 5 }, context: ctx(add) },
        { command: { type: 'Withdraw', amount: 9 }, context: ctx(overdraw) }, // refused: the balance is 5
        {
          command: async (state) => ({ command: { type: 'Withdraw' as const, amount: state.balance } }),
          context: ctx(withdraw),
        },
        { command: { type: 'SetBalance', amount: 0 }, context: ctx(same) }, // a no-op after the withdrawal
      ]);
      expect(
        answers.map((a) =>
          'refusal' in a ? (a.refusal as DomainError).code : [a.revision, a.events.length, a.duplicate],
        ),
      ).toEqual([[0n, 1, false], [1n, 1, false], 'insufficient-balance', [2n, 1, false], [2n, 0, false]]);
      // One chain, each event under its own command's id and metadata, in the order decided.
      expect((await chainOf(s)).map((e) => [e.revision, e.commandId])).toEqual([
        [0n, open],
        [1n, add],
        [2n, withdraw],
      ]);
      expect((await store.load(s, counter)).state).toEqual({ opened: true, balance: 0, events: 3 });
    });

    it('a retry of the same commands is answered as duplicates, one by handle too; nothing more is appended', async () => {
      const s = stream();
      const items = [
        { command: { type: 'Open' as const, id: s }, context: ctx() },
        { command: { type: 'Add' as const, amount: 2 }, context: ctx() },
        { command: { type: 'Add' as const, amount: 3 }, context: ctx() },
      ];
      await store.handleAll(s, counter, items);
      const again = await store.handleAll(s, counter, items);
      // As handle answers a retry: a duplicate, at the stream's revision.
      expect(again.map((a) => ('refusal' in a ? a.refusal : [a.revision, a.duplicate]))).toEqual([
        [2n, true],
        [2n, true],
        [2n, true],
      ]);
      expect((await store.handle(s, counter, items[1]!.command, items[1]!.context)).duplicate).toBe(true);
      // One id twice in a batch is applied once; under another fingerprint it is a reused id, refused.
      const fingerprinted = { ...ctx(), fingerprint: 'asked' };
      const twice = await store.handleAll(s, counter, [
        { command: { type: 'Add', amount: 1 }, context: fingerprinted },
        { command: { type: 'Add', amount: 1 }, context: fingerprinted },
        { command: { type: 'Add', amount: 1 }, context: { ...fingerprinted, fingerprint: 'other' } },
      ]);
      expect(
        twice.map((a) => ('refusal' in a ? (a.refusal as DomainError).code : [a.revision, a.duplicate])),
      ).toEqual([[3n, false], [3n, true], 'command-id-reused']);
      expect((await store.load(s, counter)).state).toEqual({ opened: true, balance: 6, events: 4 });
    });

    it('nothing decided appends nothing: all refused or no-ops leave the stream as it was', async () => {
      const s = stream();
      await store.handle(s, counter, { type: 'Open', id: s }, ctx());
      const answers = await store.handleAll(s, counter, [
        { command: { type: 'Withdraw', amount: 1 }, context: ctx() },
        { command: { type: 'SetBalance', amount: 0 }, context: ctx() },
      ]);
      expect(
        answers.map((a) => ('refusal' in a ? (a.refusal as DomainError).code : a.events.length)),
      ).toEqual(['insufficient-balance', 0]);
      expect((await store.load(s, counter)).revision).toBe(0n);
    });

    it('an error that is no refusal (an outage in a resolver) fails them all: nothing is appended', async () => {
      const s = stream();
      await store.handle(s, counter, { type: 'Open', id: s }, ctx());
      await expect(
        store.handleAll(s, counter, [
          { command: { type: 'Add', amount: 1 }, context: ctx() },
          {
            command: async () => {
              throw new Error('the parent organization could not be read');
            },
            context: ctx(),
          },
        ]),
      ).rejects.toThrow('the parent organization could not be read');
      expect((await store.load(s, counter)).revision).toBe(0n);
    });

    it('refusedWhole refuses them all before anything is appended, and looks again at what a conflicting append recorded', async () => {
      const s = stream();
      const [taken, mine] = [randomUUID(), randomUUID()];
      await store.handle(s, counter, { type: 'Open', id: s }, ctx());
      const takenBefore = (recorded: { get(id: string): unknown }) =>
        recorded.get(taken) ? new DomainError('command-id-reused', 'conflict', 'taken') : undefined;
      // Nothing recorded under `taken` yet: both are appended.
      const first = await store.handleAll(
        s,
        counter,
        [{ command: { type: 'Add', amount: 1 }, context: ctx(mine) }],
        takenBefore,
      );
      expect(first.map((a) => ('refusal' in a ? a.refusal : a.revision))).toEqual([1n]);
      // Another instance records `taken` while this batch decides: the append conflicts, the check sees it.
      const other = new AggregateStore(client);
      let interfered = false;
      const refused = store.handleAll(
        s,
        counter,
        [
          {
            command: async () => {
              if (!interfered) {
                interfered = true;
                await other.handle(s, counter, { type: 'Add', amount: 100 }, ctx(taken));
              }
              return { command: { type: 'Add' as const, amount: 5 } };
            },
            context: ctx(),
          },
        ],
        takenBefore,
      );
      await expect(refused).rejects.toMatchObject({ code: 'command-id-reused' });
      expect(interfered).toBe(true);
      expect((await store.load(s, counter)).state).toEqual({ opened: true, balance: 101, events: 3 });
    });

    it('after a conflict, a decider that evolves in place leaves no unstored state in the cache', async () => {
      const s = stream();
      // As the organization's evolve does: it takes ownership of the state and changes it in place.
      const inPlace = {
        ...counterDecider,
        evolve: (state: CounterState, event: Parameters<typeof counterDecider.evolve>[1]) =>
          Object.assign(state, counterDecider.evolve(state, event)),
      };
      const cached = { decider: inPlace, cache: new AggregateStateCache<CounterState>() };
      await store.handle(s, cached, { type: 'Open', id: s }, ctx());
      const other = new AggregateStore(client);
      let interfered = false;
      const answers = await store.handleAll(s, cached, [
        { command: { type: 'Add', amount: 5 }, context: ctx() },
        {
          // Another instance appends while the first attempt decides: its append conflicts and is decided again.
          command: async () => {
            if (!interfered) {
              interfered = true;
              await other.handle(s, counter, { type: 'Add', amount: 100 }, ctx());
            }
            return { command: { type: 'Add' as const, amount: 1 } };
          },
          context: ctx(),
        },
      ]);
      expect(answers.map((a) => ('refusal' in a ? a.refusal : a.revision))).toEqual([2n, 3n]);
      const stored = { opened: true, balance: 106, events: 4 };
      expect((await store.load(s, counter)).state).toEqual(stored);
      // What the cache holds is what is stored: the next command decides on it.
      expect((await store.handle(s, cached, { type: 'Add', amount: 0 }, ctx())).state).toEqual({
        ...stored,
        events: 5,
      });
    });

    it('racing handle on the same stream: a conflict decides the batch again on the new state, nothing lost', async () => {
      const s = stream();
      await store.handle(s, counter, { type: 'Open', id: s }, ctx());
      const batches = Array.from({ length: 10 }, () =>
        store.handleAll(s, counter, [
          { command: { type: 'Add', amount: 1 }, context: ctx() },
          { command: { type: 'Withdraw', amount: 1 }, context: ctx() },
          { command: { type: 'Add', amount: 2 }, context: ctx() },
        ]),
      );
      const singles = Array.from({ length: 10 }, () =>
        store.handle(s, counter, { type: 'Add', amount: 1 }, ctx()),
      );
      const answers = (await Promise.all(batches)).flat();
      await Promise.all(singles);
      expect(answers.filter((a) => 'refusal' in a)).toEqual([]);
      expect((await store.load(s, counter)).state).toEqual({ opened: true, balance: 30, events: 41 });
      expect((await chainOf(s)).map((e) => e.revision)).toEqual(
        Array.from({ length: 41 }, (_, i) => BigInt(i)),
      );
    });
  });

  describe('idempotency that survives restarts, snapshots and other instances', () => {
    const snapshots = {
      version: 1,
      every: 3,
      toSnapshot: (st: CounterState) => st,
      fromSnapshot: (json: unknown) => json as CounterState,
    };
    const withSnapshots = { decider: counterDecider, snapshots };
    const fingerprinted = (commandId: string, fingerprint: string): CommandContext => ({
      ...ctx(commandId),
      fingerprint,
    });

    it('a retry reaching another instance after snapshots were taken is recognised, not decided again', async () => {
      const s = stream();
      await store.handle(s, withSnapshots, { type: 'Open', id: s }, ctx());
      const retried = randomUUID();
      await store.handle(s, withSnapshots, { type: 'Add', amount: 5 }, fingerprinted(retried, 'add-5'));
      for (let i = 0; i < 20; i++) await store.handle(s, withSnapshots, { type: 'Add', amount: 1 }, ctx());
      await waitForSnapshotCovering(s, 15n);
      // A fresh store: no cache, no memory of the first attempt, as after a restart or on another instance.
      const restarted = new AggregateStore(client);
      const loaded = await restarted.load(s, withSnapshots);
      expect(loaded.tailLength).toBeLessThan(10);
      const again = await restarted.handle(
        s,
        withSnapshots,
        { type: 'Add', amount: 5 },
        fingerprinted(retried, 'add-5'),
      );
      expect(again).toMatchObject({ duplicate: true, events: [] });
      expect((await restarted.load(s, counter)).state.balance).toBe(25);
    });

    it('the same command id for a different command is refused as reused, appending nothing', async () => {
      const s = stream();
      const commandId = randomUUID();
      await store.handle(s, withSnapshots, { type: 'Open', id: s }, fingerprinted(commandId, 'open'));
      const refusal = await store
        .handle(s, withSnapshots, { type: 'Add', amount: 9 }, fingerprinted(commandId, 'add-9'))
        .catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(DomainError);
      expect(refusal).toMatchObject({ code: 'command-id-reused', kind: 'conflict', details: { commandId } });
      expect((await store.load(s, counter)).revision).toBe(0n);
    });

    it('remembers the latest commands up to its window; an older id is decided again (the documented bound)', async () => {
      const small = new AggregateStore(client, { commandWindow: 3 });
      const s = stream();
      const first = randomUUID();
      await small.handle(s, counter, { type: 'Open', id: s }, ctx());
      await small.handle(s, counter, { type: 'Add', amount: 1 }, ctx(first));
      expect((await small.handle(s, counter, { type: 'Add', amount: 1 }, ctx(first))).duplicate).toBe(true);
      for (let i = 0; i < 3; i++) await small.handle(s, counter, { type: 'Add', amount: 1 }, ctx());
      expect((await small.handle(s, counter, { type: 'Add', amount: 1 }, ctx(first))).duplicate).toBe(false);
    });

    it('a snapshot written before snapshots carried command ids is not used: the stream is read instead', async () => {
      const s = stream();
      const retried = randomUUID();
      await store.handle(s, counter, { type: 'Open', id: s }, ctx());
      await store.handle(s, counter, { type: 'Add', amount: 4 }, ctx(retried));
      await client.appendToStream(
        snapshotStreamOf(s),
        jsonEvent({
          type: 'AggregateSnapshot',
          data: { version: 1, revision: '1', state: { opened: true, balance: 4, events: 2 } },
        }),
      );
      const loaded = await store.load(s, withSnapshots);
      expect(loaded.tailLength).toBe(2);
      expect((await store.handle(s, withSnapshots, { type: 'Add', amount: 4 }, ctx(retried))).duplicate).toBe(
        true,
      );
    });

    async function waitForSnapshotCovering(s: string, revision: bigint): Promise<void> {
      await waitFor(async () => {
        let latest = -1n;
        for await (const e of client.readStream(snapshotStreamOf(s)))
          if (e.event?.type === 'AggregateSnapshot')
            latest = BigInt((e.event.data as { revision: string }).revision);
        return latest >= revision;
      });
    }
  });

  it('50 concurrent commands on one stream: conflicts are retried, nothing lost, invariant holds', async () => {
    const s = stream();
    await store.handle(s, counter, { type: 'Open', id: s }, ctx());
    await store.handle(s, counter, { type: 'Add', amount: 25 }, ctx());
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => store.handle(s, counter, { type: 'Withdraw', amount: 1 }, ctx())),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter(
      (r) => r.status === 'rejected' && (r.reason as DomainError).code === 'insufficient-balance',
    ).length;
    expect(ok).toBe(25);
    expect(refused).toBe(25);
    const { state } = await store.load(s, counter);
    expect(state.balance).toBe(0);
    expect(state.events).toBe(27);
  });

  it('gives up with a typed conflict after the bounded retries', async () => {
    const impatient = new AggregateStore(client, { maxAttempts: 1 });
    const s = stream();
    await impatient.handle(s, counter, { type: 'Open', id: s }, ctx());
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => impatient.handle(s, counter, { type: 'Add', amount: 1 }, ctx())),
    );
    const conflicts = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof ConcurrencyConflictError,
    );
    expect(conflicts.length).toBeGreaterThan(0);
    const { state } = await impatient.load(s, counter);
    expect(state.balance).toBe(results.filter((r) => r.status === 'fulfilled').length);
    expect((conflicts[0] as PromiseRejectedResult).reason.code).toBe('concurrency-conflict');
  });

  it('loads from a snapshot plus the tail, with the same state as a full replay', async () => {
    const snapshots = {
      version: 1,
      every: 10,
      toSnapshot: (st: CounterState) => st,
      fromSnapshot: (json: unknown) => json as CounterState,
    };
    const withSnapshots = { decider: counterDecider, snapshots };
    const s = stream();
    await store.handle(s, withSnapshots, { type: 'Open', id: s }, ctx());
    for (let i = 0; i < 25; i++) await store.handle(s, withSnapshots, { type: 'Add', amount: 1 }, ctx());
    // snapshots are written in the background, after the command's answer
    await store.snapshotsWritten();
    const fromSnapshot = await store.load(s, withSnapshots);
    const replayed = await store.load(s, counter);
    expect(fromSnapshot.state).toEqual(replayed.state);
    expect(fromSnapshot.revision).toBe(replayed.revision);
    expect(fromSnapshot.tailLength).toBeLessThan(10);
    let snapshotCount = 0;
    for await (const _ of client.readStream(snapshotStreamOf(s))) snapshotCount++;
    expect(snapshotCount).toBeGreaterThan(0);
  });

  it('reads a snapshot of an earlier version the policy still reads, and ignores any other version', async () => {
    const written = {
      version: 1,
      every: 10,
      toSnapshot: (st: CounterState) => st,
      fromSnapshot: (json: unknown) => json as CounterState,
    };
    const s = stream();
    await store.handle(s, { decider: counterDecider, snapshots: written }, { type: 'Open', id: s }, ctx());
    for (let i = 0; i < 25; i++)
      await store.handle(
        s,
        { decider: counterDecider, snapshots: written },
        { type: 'Add', amount: 1 },
        ctx(),
      );
    await store.snapshotsWritten();
    const versionsRead: number[] = [];
    const next = (alsoReads?: number[]) => ({
      decider: counterDecider,
      snapshots: {
        ...written,
        version: 2,
        ...(alsoReads ? { alsoReads } : {}),
        fromSnapshot: (json: unknown, version: number) => {
          versionsRead.push(version);
          return json as CounterState;
        },
      },
    });
    const upgraded = await store.load(s, next([1]));
    expect(upgraded.tailLength).toBeLessThan(10);
    expect(upgraded.state).toEqual((await store.load(s, counter)).state);
    expect(versionsRead).toEqual([1]);
    const other = await store.load(s, next([3]));
    expect(other.tailLength).toBe(26);
    expect(versionsRead).toEqual([1]);
  });

  /** Snapshots every five events, of the counter's state as it is. */
  const everyFive = {
    decider: counterDecider,
    snapshots: {
      version: 1,
      every: 5,
      toSnapshot: (st: CounterState) => st,
      fromSnapshot: (j: unknown) => j as CounterState,
    },
  };
  async function snapshotAfterSeven(s: string): Promise<void> {
    await store.handle(s, everyFive, { type: 'Open', id: s }, ctx());
    for (let i = 0; i < 6; i++) await store.handle(s, everyFive, { type: 'Add', amount: 1 }, ctx());
    await store.snapshotsWritten();
  }

  /** A client that notes the direction of each read of a snapshot stream. */
  function countingSnapshotReads(of: EventStoreDBClient) {
    const snapshotReads: unknown[] = [];
    const counting = new Proxy(of, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== 'readStream') return typeof value === 'function' ? value.bind(target) : value;
        return (streamName: string, options?: { direction?: unknown }) => {
          if (streamName.startsWith('snapshot-')) snapshotReads.push(options?.direction);
          return target.readStream(streamName, options as never);
        };
      },
    });
    return { counting, snapshotReads };
  }

  it('reads a snapshot with one read of its stream: the chunks come with the manifest', async () => {
    const s = stream();
    await snapshotAfterSeven(s);
    const { counting, snapshotReads } = countingSnapshotReads(client);
    const loaded = await new AggregateStore(counting, {}).load(s, everyFive);
    expect(loaded.tailLength).toBeLessThan(5);
    expect(snapshotReads).toEqual([BACKWARDS]);
  });

  it('a snapshot replaced while its chunks are read is read again from the newer one, not by replaying all', async () => {
    const s = stream();
    const addSix = async () => {
      for (let i = 0; i < 6; i++) await store.handle(s, everyFive, { type: 'Add', amount: 1 }, ctx());
      await store.snapshotsWritten();
    };
    await store.handle(s, everyFive, { type: 'Open', id: s }, ctx());
    await addSix();
    let raced = false;
    const racing = new Proxy(client, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== 'readStream') return typeof value === 'function' ? value.bind(target) : value;
        return (streamName: string, options?: { direction?: unknown }) => {
          if (!streamName.startsWith('snapshot-')) return target.readStream(streamName, options as never);
          // The look-back finds the manifest but not its chunks (as when they are more than it reads), so they
          // are read on their own.
          if (options?.direction === BACKWARDS)
            return (async function* () {
              for await (const e of target.readStream(streamName, options as never))
                if (e.event?.type !== 'AggregateSnapshotChunk') yield e;
            })();
          if (raced) return target.readStream(streamName, options as never);
          raced = true;
          // Between the manifest's read and its chunks', a newer snapshot is completed and the older truncated.
          return (async function* () {
            await addSix();
            yield* target.readStream(streamName, options as never);
          })();
        };
      },
    });
    const loaded = await new AggregateStore(racing, {}).load(s, everyFive);
    expect(raced).toBe(true);
    expect(loaded.tailLength).toBeLessThan(5);
    expect(loaded.state).toEqual((await store.load(s, counter)).state);
  });

  it('a manifest whose chunks are gone, with no newer one, is given up after one more look: the stream is read', async () => {
    const s = stream();
    await snapshotAfterSeven(s);
    let manifest = -1n;
    for await (const e of client.readStream(snapshotStreamOf(s)))
      if (e.event?.type === 'AggregateSnapshot') manifest = e.event.revision;
    // Everything before the manifest truncated away: its chunks are gone.
    await client.setStreamMetadata(snapshotStreamOf(s), { truncateBefore: Number(manifest) });
    const { counting, snapshotReads } = countingSnapshotReads(client);
    const loaded = await new AggregateStore(counting, {}).load(s, everyFive);
    expect(loaded.tailLength).toBe(7);
    expect(loaded.state).toEqual((await store.load(s, counter)).state);
    expect(snapshotReads).toEqual([BACKWARDS, FORWARDS, BACKWARDS]);
  });

  it('writes one snapshot of a stream at a time: commands while one is being written start no other', async () => {
    // The snapshot stream's appends are held until released, as a slow store would hold them.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let snapshotAppends = 0;
    const slowSnapshots = new Proxy(client, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== 'appendToStream') return typeof value === 'function' ? value.bind(target) : value;
        return async (streamName: string, ...rest: unknown[]) => {
          if (streamName.startsWith('snapshot-')) {
            snapshotAppends++;
            await held;
          }
          return (target.appendToStream as (...a: unknown[]) => Promise<unknown>)(streamName, ...rest);
        };
      },
    });
    const slow = new AggregateStore(slowSnapshots, {});
    const withSnapshots = everyFive;
    const s = stream();
    await slow.handle(s, withSnapshots, { type: 'Open', id: s }, ctx());
    for (let i = 0; i < 15; i++) await slow.handle(s, withSnapshots, { type: 'Add', amount: 1 }, ctx());
    expect(snapshotAppends).toBe(1);
    release();
    await slow.snapshotsWritten();
    expect((await slow.load(s, withSnapshots)).tailLength).toBeLessThan(15);
  });

  it('a snapshot larger than one append may be is written in chunks, and read back whole', async () => {
    // 2 MiB of hex: over 1 MiB even compressed, so several 512 KiB chunks, each under the 1 MiB append limit.
    const padding = randomBytes(1024 * 1024).toString('hex');
    const big = {
      version: 7,
      every: 2,
      toSnapshot: (st: CounterState) => ({ ...st, padding }),
      fromSnapshot: (json: unknown) => {
        const { padding: kept, ...st } = json as CounterState & { padding: string };
        expect(kept).toBe(padding);
        return st as CounterState;
      },
    };
    const s = stream();
    const definition = { decider: counterDecider, snapshots: big };
    await store.handle(s, definition, { type: 'Open', id: s }, ctx());
    await store.handle(s, definition, { type: 'Add', amount: 3 }, ctx());
    let manifest: { chunks: number; revision: string } | undefined;
    await waitFor(async () => {
      for await (const e of client.readStream(snapshotStreamOf(s)))
        if (e.event?.type === 'AggregateSnapshot') manifest = e.event.data as never;
      return manifest;
    });
    expect(manifest!.chunks).toBeGreaterThanOrEqual(2);
    const loaded = await new AggregateStore(client).load(s, definition);
    expect(loaded.tailLength).toBe(0);
    expect(loaded.state).toEqual({ opened: true, balance: 3, events: 2 });
  });

  it('a snapshot whose successor is still being written (its chunks after the manifest) is still used', async () => {
    const snapshots = {
      version: 1,
      every: 2,
      toSnapshot: (st: CounterState) => st,
      fromSnapshot: (json: unknown) => json as CounterState,
    };
    const definition = { decider: counterDecider, snapshots };
    const s = stream();
    await store.handle(s, definition, { type: 'Open', id: s }, ctx());
    await store.handle(s, definition, { type: 'Add', amount: 4 }, ctx());
    await waitFor(async () => {
      let manifests = 0;
      for await (const e of client.readStream(snapshotStreamOf(s)))
        if (e.event?.type === 'AggregateSnapshot') manifests++;
      return manifests > 0;
    });
    // The next snapshot's first chunk has been appended, its manifest not yet.
    await client.appendToStream(
      snapshotStreamOf(s),
      binaryEvent({ type: 'AggregateSnapshotChunk', data: randomBytes(64) }),
    );
    const loaded = await new AggregateStore(client).load(s, definition);
    expect(loaded.tailLength).toBe(0);
    expect(loaded.state).toEqual({ opened: true, balance: 4, events: 2 });
  });

  it('chunks without their manifest (a write cut short) are ignored: the stream is read instead', async () => {
    const s = stream();
    const snapshots = {
      version: 1,
      every: 1_000,
      toSnapshot: (st: CounterState) => st,
      fromSnapshot: (j: unknown) => j as CounterState,
    };
    await store.handle(s, { decider: counterDecider, snapshots }, { type: 'Open', id: s }, ctx());
    await client.appendToStream(
      snapshotStreamOf(s),
      binaryEvent({ type: 'AggregateSnapshotChunk', data: Buffer.from('partial') }),
    );
    const loaded = await store.load(s, { decider: counterDecider, snapshots });
    expect(loaded).toMatchObject({ tailLength: 1, state: { opened: true } });
  });

  it('upcasts old event versions on read', async () => {
    const s = stream();
    await client.appendToStream(s, [
      jsonEvent({
        type: 'Opened',
        data: { id: s },
        metadata: { ...ctx(), causationId: 'x', correlationId: 'x', schemaVersion: 1 },
      }),
      // v1 of Added stored cents; v2 stores units.
      jsonEvent({
        type: 'Added',
        data: { cents: 500 },
        metadata: { ...ctx(), causationId: 'x', correlationId: 'x', schemaVersion: 1 },
      }),
    ]);
    const upcasters = new Upcasters().register('Added', 1, (d) => ({ amount: (d.cents as number) / 100 }));
    const upcasting = new AggregateStore(client, { upcasters });
    expect((await upcasting.load(s, counter)).state.balance).toBe(5);
    await upcasting.handle(s, counter, { type: 'Add', amount: 1 }, ctx());
    expect((await upcasting.load(s, counter)).state.balance).toBe(6);
  });
});
