import { randomUUID } from 'node:crypto';
import { DomainError } from '@app/domain';
import {
  AggregateStateCache,
  AggregateStore,
  CommandWindow,
  commandFingerprint,
  type CommandContext,
} from '@app/event-store';
import { useTestEventStore } from '@app/testing/test-event-store';
import { counterDecider, type CounterCommand, type CounterState } from './counter.decider';

const ctx = (commandId = randomUUID()): CommandContext => ({ commandId, actor: 'user-1' });
/** A cached counter state, for the cache on its own. */
const entry = (state: number) => ({ state, revision: 0n, sinceSnapshot: 0, commands: new CommandWindow() });

describe('AggregateStore with a state cache', () => {
  const eventStore = useTestEventStore();
  const stream = () => `counter-${randomUUID()}`;
  const cachedCounter = () => ({ decider: counterDecider, cache: new AggregateStateCache<CounterState>() });
  /**
   * Two instances on one store, the stream opened (and so cached) by the first: `mine` decides from its cache,
   * `theirs` appends behind its back; `balance` added by mine after opening.
   */
  const twoInstances = async (balance?: number, options?: { maxAttempts?: number }) => {
    const s = stream();
    const mine = new AggregateStore(eventStore.client, options);
    const theirs = new AggregateStore(eventStore.client);
    const definition = cachedCounter();
    await mine.handle(s, definition, { type: 'Open', id: s }, ctx());
    if (balance !== undefined) await mine.handle(s, definition, { type: 'Add', amount: balance }, ctx());
    const mineDo = (command: CounterCommand, context = ctx()) => mine.handle(s, definition, command, context);
    const theirsDo = (command: CounterCommand, context = ctx()) =>
      theirs.handle(s, { decider: counterDecider }, command, context);
    return { s, mine, mineDo, theirsDo };
  };

  it('sees what another instance appended since the state was cached', async () => {
    const { mineDo, theirsDo } = await twoInstances(5);
    await theirsDo({ type: 'Add', amount: 7 });
    const result = await mineDo({ type: 'Add', amount: 1 });
    expect(result.state).toMatchObject({ balance: 13, events: 4 });
    expect(result.revision).toBe(3n);
  });

  it('recognises a retried command from the cached state, without appending it twice', async () => {
    const s = stream();
    const store = new AggregateStore(eventStore.client);
    const definition = cachedCounter();
    await store.handle(s, definition, { type: 'Open', id: s }, ctx());
    const retried = ctx();
    await store.handle(s, definition, { type: 'Add', amount: 5 }, retried);
    for (let i = 0; i < 5; i++) await store.handle(s, definition, { type: 'Add', amount: 1 }, ctx());
    const again = await store.handle(s, definition, { type: 'Add', amount: 5 }, retried);
    expect(again.duplicate).toBe(true);
    expect((await store.load(s, { decider: counterDecider })).state).toMatchObject({ balance: 10 });
  });

  it('a refusal leaves the cached state as it was', async () => {
    const s = stream();
    const store = new AggregateStore(eventStore.client);
    const definition = cachedCounter();
    await store.handle(s, definition, { type: 'Open', id: s }, ctx());
    await store.handle(s, definition, { type: 'Add', amount: 2 }, ctx());
    await expect(store.handle(s, definition, { type: 'Withdraw', amount: 3 }, ctx())).rejects.toBeInstanceOf(
      DomainError,
    );
    const result = await store.handle(s, definition, { type: 'Withdraw', amount: 2 }, ctx());
    expect(result.state).toMatchObject({ balance: 0 });
  });

  it('appends from the cached state without reading the stream first', async () => {
    const s = stream();
    const reads: string[] = [];
    const client = new Proxy(eventStore.client, {
      get(target, key, receiver) {
        if (key === 'readStream')
          return (name: string, ...rest: unknown[]) => {
            reads.push(name);
            return target.readStream(name, ...(rest as [never]));
          };
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const store = new AggregateStore(client);
    const definition = cachedCounter();
    await store.handle(s, definition, { type: 'Open', id: s }, ctx());
    reads.length = 0;
    const result = await store.handle(s, definition, { type: 'Add', amount: 5 }, ctx());
    expect(result.state).toMatchObject({ balance: 5, events: 2 });
    expect(reads.filter((name) => name === s)).toEqual([]);
    expect((await store.load(s, { decider: counterDecider })).state).toMatchObject({ balance: 5 });
  });

  it('a refusal from a cached state behind the stream is decided again on the stream as it is', async () => {
    const { mineDo, theirsDo } = await twoInstances(2);
    await theirsDo({ type: 'Add', amount: 5 });
    const result = await mineDo({ type: 'Withdraw', amount: 3 });
    expect(result.state).toMatchObject({ balance: 4, events: 4 });
    expect(result.revision).toBe(3n);
  });

  it('a no-op from a cached state behind the stream is decided again on the stream as it is', async () => {
    const { mineDo, theirsDo } = await twoInstances(5);
    await theirsDo({ type: 'Add', amount: 2 });
    const result = await mineDo({ type: 'SetBalance', amount: 5 });
    expect(result.events).toEqual([{ type: 'Added', data: { amount: -2 } }]);
    expect(result.state).toMatchObject({ balance: 5 });
  });

  it("a retry that another instance applied is recognised, not applied again, and answered at the stream's head", async () => {
    const { s, mine, mineDo, theirsDo } = await twoInstances();
    const retried = ctx();
    await theirsDo({ type: 'Add', amount: 5 }, retried);
    for (const amount of [1, 2]) await theirsDo({ type: 'Add', amount });
    // Decided again from the state cached before all that, its events would be the very events stored at revision 1.
    const again = await mineDo({ type: 'Add', amount: 5 }, retried);
    expect([again.duplicate, again.events, again.revision]).toEqual([true, [], 3n]);
    expect(again.state).toMatchObject({ balance: 8, events: 4 });
    const stored = await mine.load(s, { decider: counterDecider });
    expect([stored.state, stored.revision]).toEqual([expect.objectContaining({ balance: 8 }), 3n]);
  });

  it('a cached state behind the stream costs no attempt: one attempt allowed still succeeds', async () => {
    const { mineDo, theirsDo } = await twoInstances(undefined, { maxAttempts: 1 });
    await theirsDo({ type: 'Add', amount: 7 });
    const result = await mineDo({ type: 'Add', amount: 1 });
    expect(result.state).toMatchObject({ balance: 8, events: 3 });
  });

  it('keeps at most its bound of streams, least recently used out first', () => {
    const cache = new AggregateStateCache<number>(2);
    cache.put('a', entry(1));
    cache.put('b', entry(2));
    cache.put('c', entry(3));
    expect(cache.take('a')).toBeUndefined();
    expect(cache.take('c')?.state).toBe(3);
    expect(cache.take('c')).toBeUndefined();
  });

  it('a clear while a command holds the state: the command ends without putting it back', async () => {
    const s = stream();
    const store = new AggregateStore(eventStore.client);
    const definition = cachedCounter();
    await store.handle(s, definition, { type: 'Open', id: s }, ctx());
    await store.handle(
      s,
      definition,
      async () => {
        definition.cache.clear(); // an erasure heard while this command decides
        return { command: { type: 'Add', amount: 1 } as CounterCommand };
      },
      ctx(),
    );
    expect(definition.cache.take(s)).toBeUndefined();
    await store.handle(s, definition, { type: 'Add', amount: 1 }, ctx());
    expect(definition.cache.take(s)?.state).toMatchObject({ balance: 2 });
  });

  it('an entry taken before a clear is not put back after it; one taken after is', () => {
    const cache = new AggregateStateCache<number>();
    cache.put('a', entry(1));
    const before = cache.generation;
    const inUse = cache.take('a')!;
    cache.clear(); // while a command holds the state
    cache.put('a', inUse, before);
    expect(cache.take('a')).toBeUndefined();
    const after = cache.generation;
    cache.put('a', entry(2), after);
    expect(cache.take('a')?.state).toBe(2);
  });

  it('an entry older than its maximum age is not used', () => {
    let now = 1_000;
    const cache = new AggregateStateCache<number>(10, 60_000, () => now);
    cache.put('a', entry(1));
    now += 60_000;
    expect(cache.take('a')?.state).toBe(1);
    cache.put('a', entry(2));
    now += 60_001;
    expect(cache.take('a')).toBeUndefined();
  });

  it('a command window keeps its latest ids, oldest out first, and round-trips through a snapshot', () => {
    const window = new CommandWindow(1_000);
    for (let i = 0; i < 1_500; i++) window.record(`cmd-${i}`, { revision: BigInt(i), fingerprint: `f${i}` });
    window.record('cmd-1499', { revision: 0n, fingerprint: 'other' });
    expect(window.get('cmd-1499')).toEqual({ revision: 1499n, fingerprint: 'f1499' });
    expect(window.get('cmd-500')).toBeDefined();
    expect(window.get('cmd-499')).toBeUndefined();
    const restored = CommandWindow.fromSnapshot(JSON.parse(JSON.stringify(window.toSnapshot())), 1_000);
    expect(restored.get('cmd-1499')).toEqual({ revision: 1499n, fingerprint: 'f1499' });
    expect(restored.get('cmd-499')).toBeUndefined();
    expect(CommandWindow.fromSnapshot(undefined).get('cmd-1')).toBeUndefined();
  });

  it('fingerprints are stable whatever the key order, and differ for different commands', () => {
    expect(commandFingerprint({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(
      commandFingerprint({ b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    expect(commandFingerprint({ type: 'RemoveMember', userId: 'u' })).not.toBe(
      commandFingerprint({ type: 'ChangeMemberRole', userId: 'u' }),
    );
    expect(commandFingerprint({ x: 1 })).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
