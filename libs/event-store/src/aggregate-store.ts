import { randomUUID } from 'node:crypto';
import {
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import { SnapshotStore } from './snapshot-store';
import { CHAIN_HASH_FIELD, chainHashOf } from './chain-hash';
import { readLastEvent } from './read-last-event';
import { DomainError, isDomainError, type Decider, type DomainEvent } from '@app/domain';
import { type AggregateStateCache, type CachedAggregate } from './aggregate-state-cache';
import { CommandWindow, DEFAULT_COMMAND_WINDOW, type RecordedCommands } from './command-window';
import { deterministicEventId } from './deterministic-event-id';
import { ConcurrencyConflictError } from './errors';
import { metadataFor, type CommandContext } from './event-metadata';
import { toRecordedDomainEvent } from './recorded-event';
import { type SnapshotPolicy, type SnapshotRecord } from './snapshot-policy';
import { noUpcasters, type Upcasters } from './upcasting';
import { noProtection, type StoredDataProtection } from './stored-data-protection';

export interface AggregateDefinition<State, Command, Event extends DomainEvent> {
  readonly decider: Decider<State, Command, Event>;
  readonly snapshots?: SnapshotPolicy<State>;
  /** Keep folded states in memory between commands (long-lived aggregates). */
  readonly cache?: AggregateStateCache<State>;
}

/** What loading needs: folding, not deciding. */
export interface LoadableAggregate<State, Event extends DomainEvent> {
  readonly decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve'>;
  readonly snapshots?: SnapshotPolicy<State>;
}

export interface LoadedAggregate<State> {
  readonly state: State;
  /** Revision of the last event folded in, or `undefined` when the stream does not exist. */
  readonly revision: bigint | undefined;
  readonly tailLength: number;
}

export interface CommandResult<State, Event extends DomainEvent> {
  readonly state: State;
  readonly events: readonly Event[];
  /** The stream revision after the command: what a reader must reach to see its effect. */
  readonly revision: bigint | undefined;
  /** True when the command had already been applied by an earlier attempt with the same id. */
  readonly duplicate: boolean;
}

/**
 * A command that depends on the state it will be decided against beyond what `decide` sees, resolved after loading
 * and before deciding (e.g. the actor's standing through another aggregate), with metadata to record about it.
 */
export type CommandResolver<State, Command> = (
  state: State,
) => Promise<{ readonly command: Command; readonly actingVia?: string }>;

export interface AggregateStoreOptions {
  readonly upcasters?: Upcasters;
  /** Attempts on a concurrency conflict before giving up with ConcurrencyConflictError. */
  readonly maxAttempts?: number;
  /** How many of a stream's latest command ids are recognised as retries (default 5,000). */
  readonly commandWindow?: number;
  readonly onSnapshotError?: (error: unknown, streamName: string) => void;
  /** Seals personal fields on append and opens them on load (default: stored as they are). */
  readonly protection?: StoredDataProtection;
}

/**
 * Runs a command against one stream: load (snapshot + tail), decide, append with the expected revision. A conflict
 * reloads and decides again, a bounded number of times.
 *
 * Commands are idempotent by id. Every event's metadata names its command (and a fingerprint of what it asked); a
 * stream's latest command ids (`commandWindow`) are rebuilt from its events and kept in its snapshots, so a retry is
 * recognised by any instance, after any restart, and answered as a duplicate without deciding again. The same id
 * for a different command is refused (`command-id-reused`). Event ids derive from the stream and the command.
 */
export class AggregateStore {
  private readonly upcasters: Upcasters;
  private readonly maxAttempts: number;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: AggregateStoreOptions = {},
  ) {
    this.upcasters = options.upcasters ?? noUpcasters;
    this.protection = options.protection ?? noProtection;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.windowSize = options.commandWindow ?? DEFAULT_COMMAND_WINDOW;
    this.snapshotStore = new SnapshotStore(client);
  }

  private readonly snapshotStore: SnapshotStore;
  /** Snapshots being written in the background, by stream. */
  private readonly snapshotWrites = new Map<string, Promise<void>>();

  /** Once the snapshots being written in the background are stored (or given up on): before closing the client. */
  async snapshotsWritten(): Promise<void> {
    await Promise.all(this.snapshotWrites.values());
  }
  private readonly protection: StoredDataProtection;

  private readonly windowSize: number;

  async load<State, Event extends DomainEvent>(
    streamName: string,
    definition: LoadableAggregate<State, Event>,
    from?: CachedAggregate<State>,
  ): Promise<
    LoadedAggregate<State> & { commands: CommandWindow; sinceSnapshot: number; chainHead: string | null }
  > {
    const { decider, snapshots } = definition;
    const snapshot = from ?? (snapshots ? await this.readSnapshot(streamName, snapshots) : undefined);
    let state = snapshot?.state ?? decider.initialState();
    let revision = snapshot?.revision;
    let chainHead = snapshot?.chainHead;
    let tailLength = 0;
    // Taken from the cache, the window is this command's alone: it is extended in place.
    const commands = snapshot?.commands ?? new CommandWindow(this.windowSize);
    try {
      const reads = this.client.readStream(streamName, {
        direction: FORWARDS,
        fromRevision: revision === undefined ? START : revision + 1n,
      });
      // An event that cannot be upcast or folded fails the load, but only after the read ran to its end: a read
      // left half-consumed keeps the client from ever closing.
      let unreadable: unknown;
      for await (const resolved of reads) {
        if (unreadable !== undefined) continue;
        try {
          chainHead = chainHashIn(resolved.event?.metadata);
          const recorded = toRecordedDomainEvent<Event>(resolved, this.upcasters);
          if (!recorded) continue;
          state = decider.evolve(state, await this.protection.open(recorded.event));
          revision = recorded.revision;
          tailLength++;
          commands.record(recorded.metadata.commandId, {
            revision: recorded.revision,
            fingerprint: recorded.metadata.commandFingerprint,
          });
        } catch (error) {
          unreadable = error ?? new Error('unreadable event');
        }
      }
      if (unreadable !== undefined) throw unreadable;
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    // Only a snapshot written before hash chains leaves the head unknown: read the last event once.
    if (revision !== undefined && chainHead === undefined)
      chainHead = chainHashIn((await readLastEvent(this.client, streamName))?.event?.metadata);
    return {
      state,
      revision,
      tailLength,
      commands,
      sinceSnapshot: (from?.sinceSnapshot ?? 0) + tailLength,
      chainHead: chainHead ?? null,
    };
  }

  async handle<State, Command, Event extends DomainEvent>(
    streamName: string,
    definition: AggregateDefinition<State, Command, Event>,
    command: Command | CommandResolver<State, Command>,
    given: CommandContext,
  ): Promise<CommandResult<State, Event>> {
    const cache = definition.cache;
    let context = given;
    // A cached state is trusted without reading the stream's tail only when the command appends: the append's
    // expected revision then proves the state current (or fails, and the tail is read). Any other outcome, a refusal,
    // a no-op or a retry recognised, is decided again on a state read up to date before it is answered.
    let readTail = false;
    for (let attempt = 1; ;) {
      const generation = cache?.generation;
      const cached = cache?.take(streamName);
      const unread = !readTail && cached !== undefined && cached.chainHead !== undefined;
      const loaded = unread ? asLoaded(cached) : await this.load(streamName, definition, cached);
      const keepAs = cacheKeeper(cache, streamName, generation, loaded.commands);
      const keep = (
        state: State,
        revision: bigint | undefined,
        sinceSnapshot: number,
        chainHead: string | null = loaded.chainHead,
      ) => keepAs(state, revision, sinceSnapshot, chainHead);
      const verifyFirst = () => {
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot);
        readTail = true;
      };
      const applied = loaded.commands.get(context.commandId);
      if (applied && unread) {
        verifyFirst();
        continue;
      }
      if (applied) {
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot);
        if (applied.fingerprint && context.fingerprint && applied.fingerprint !== context.fingerprint)
          throw commandIdReused(context.commandId);
        return { state: loaded.state, events: [], revision: loaded.revision, duplicate: true };
      }
      let events: readonly Event[];
      try {
        let decided = command as Command;
        if (typeof command === 'function') {
          const resolved = await (command as CommandResolver<State, Command>)(loaded.state);
          decided = resolved.command;
          context = resolved.actingVia === undefined ? given : { ...given, actingVia: resolved.actingVia };
        }
        events = definition.decider.decide(decided, loaded.state);
      } catch (refusal) {
        if (unread) {
          verifyFirst();
          continue;
        }
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot);
        throw refusal;
      }
      if (events.length === 0 && unread) {
        verifyFirst();
        continue;
      }
      if (events.length === 0) {
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot);
        return { state: loaded.state, events, revision: loaded.revision, duplicate: false };
      }
      try {
        // Decided on a state nobody read, the events must not be taken for ones already stored: a retry that another
        // instance applied, decided again from a state as old as that one's, would make the very same events, and
        // the store would acknowledge them as that append. Ids of this handling's own fail the revision check instead.
        const handling = unread ? `/${randomUUID()}` : '';
        const { appended, chainHead } = await this.chained(
          streamName,
          loaded,
          [{ events, context }],
          handling,
        );
        const result = await this.client.appendToStream(streamName, appended, {
          expectedRevision: loaded.revision ?? NO_STREAM,
        });
        const state = events.reduce(definition.decider.evolve, loaded.state);
        loaded.commands.record(context.commandId, {
          revision: result.nextExpectedRevision,
          fingerprint: context.fingerprint,
        });
        const sinceSnapshot = this.snapshotIfDue(streamName, definition, loaded, events.length, {
          state,
          revision: result.nextExpectedRevision,
          chainHead,
        });
        keep(state, result.nextExpectedRevision, sinceSnapshot, chainHead);
        return { state, events, revision: result.nextExpectedRevision, duplicate: false };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot); // still right as of its revision
        // The cached state was behind (another instance appended): not a conflict to back off from, just read on.
        if (unread) {
          readTail = true;
          continue;
        }
        if (attempt >= this.maxAttempts) throw new ConcurrencyConflictError(streamName, attempt);
        await jitteredPause(attempt);
        attempt++;
      }
    }
  }

  /**
   * Several commands on one stream, decided one after another, each against the state the ones before it left, and
   * appended together: one round trip and one fsync where `handle` would take one for each (a bulk import's rows).
   * Each is answered as `handle` would answer it alone: its events and the revision they left the stream at, a
   * duplicate (at the stream's revision) if its id was already applied, or its refusal (a DomainError). Any other
   * error fails the whole call and appends nothing. A conflict reloads and decides them all again. Unlike `handle`'s,
   * the answers' `state` is the one state the whole batch leaves (evolved in turn, in place where `evolve` does so).
   * `refusedWhole` looks at the commands the stream recorded, as read for this very append: a refusal it gives is
   * thrown and nothing is appended (another process recording first makes the append fail, and it looks again).
   */
  async handleAll<State, Command, Event extends DomainEvent>(
    streamName: string,
    definition: AggregateDefinition<State, Command, Event>,
    commands: readonly {
      readonly command: Command | CommandResolver<State, Command>;
      readonly context: CommandContext;
    }[],
    refusedWhole?: (recorded: RecordedCommands) => DomainError | undefined,
  ): Promise<(CommandResult<State, Event> | { readonly refusal: DomainError })[]> {
    const cache = definition.cache;
    for (let attempt = 1; ; attempt++) {
      const generation = cache?.generation;
      const loaded = await this.load(streamName, definition, cache?.take(streamName));
      const keep = cacheKeeper(cache, streamName, generation, loaded.commands);
      const refusal = refusedWhole?.(loaded.commands);
      if (refusal) {
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot, loaded.chainHead);
        throw refusal;
      }
      let state = loaded.state;
      let revision = loaded.revision;
      const answers: (CommandResult<State, Event> | { readonly refusal: DomainError })[] = [];
      const decided: { events: readonly Event[]; context: CommandContext }[] = [];
      const decidedIds = new Map<string, { revision: bigint | undefined; fingerprint?: string }>();
      for (const { command, context: given } of commands) {
        const applied = loaded.commands.get(given.commandId) ?? decidedIds.get(given.commandId);
        if (applied) {
          answers.push(
            applied.fingerprint && given.fingerprint && applied.fingerprint !== given.fingerprint
              ? { refusal: commandIdReused(given.commandId) }
              : { state, events: [], revision, duplicate: true },
          );
          continue;
        }
        let events: readonly Event[];
        let context = given;
        try {
          let asked = command as Command;
          if (typeof command === 'function') {
            const resolved = await (command as CommandResolver<State, Command>)(state);
            asked = resolved.command;
            if (resolved.actingVia !== undefined) context = { ...given, actingVia: resolved.actingVia };
          }
          events = definition.decider.decide(asked, state);
        } catch (refusal) {
          // A refusal answers its command; anything else (an outage, a bug) fails them all, before anything is appended.
          if (!isDomainError(refusal)) throw refusal;
          answers.push({ refusal });
          continue;
        }
        if (events.length > 0) {
          state = events.reduce(definition.decider.evolve, state);
          revision = (revision ?? -1n) + BigInt(events.length);
          decided.push({ events, context });
          decidedIds.set(given.commandId, { revision, fingerprint: given.fingerprint });
        }
        answers.push({ state, events, revision, duplicate: false });
      }
      if (decided.length === 0) {
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot, loaded.chainHead);
        return answers;
      }
      const { appended, chainHead } = await this.chained(streamName, loaded, decided, '');
      try {
        await this.client.appendToStream(streamName, appended, {
          expectedRevision: loaded.revision ?? NO_STREAM,
        });
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        // Nothing is kept: deciding evolved the loaded state (in place, for deciders that do) past what is stored.
        if (attempt >= this.maxAttempts) throw new ConcurrencyConflictError(streamName, attempt);
        await jitteredPause(attempt);
        continue;
      }
      for (const [commandId, applied] of decidedIds)
        loaded.commands.record(commandId, { revision: applied.revision!, fingerprint: applied.fingerprint });
      const sinceSnapshot = this.snapshotIfDue(streamName, definition, loaded, appended.length, {
        state,
        revision: revision!,
        chainHead,
      });
      keep(state, revision, sinceSnapshot, chainHead);
      return answers;
    }
  }

  /**
   * The events of one or more commands as they are appended after `loaded`: sealed, each linked into the stream's
   * hash chain, with its command's metadata and an id derived from its command (and `handling`, when set).
   */
  private async chained<Event extends DomainEvent>(
    streamName: string,
    loaded: { revision: bigint | undefined; chainHead: string | null },
    decided: readonly { events: readonly Event[]; context: CommandContext }[],
    handling: string,
  ): Promise<{ appended: ReturnType<typeof jsonEvent>[]; chainHead: string | null }> {
    const stored = await Promise.all(
      decided.map(({ events }) =>
        Promise.all(events.map((event) => this.protection.seal(streamName, event))),
      ),
    );
    let chainHead = loaded.chainHead ?? undefined;
    let revision = loaded.revision === undefined ? 0n : loaded.revision + 1n;
    const appended = decided.flatMap(({ context }, command) =>
      stored[command]!.map((event, index) => {
        const metadata = metadataFor(context, this.upcasters.currentVersion(event.type));
        // What is stored, sealed, is what the chain hashes: an erasure later changes nothing that was written.
        const data = event.data as Record<string, unknown>;
        chainHead = chainHashOf(chainHead, {
          type: event.type,
          data,
          metadata: { ...metadata },
          revision: revision++,
        });
        return jsonEvent({
          id: deterministicEventId(streamName, context.commandId, index, chainHead + handling),
          type: event.type,
          data,
          metadata: { ...metadata, [CHAIN_HASH_FIELD]: chainHead },
        });
      }),
    );
    return { appended, chainHead: chainHead ?? null };
  }

  /**
   * Starts writing a snapshot in the background when `added` events make one due; the count of events since the
   * last snapshot, as the cache should keep it.
   */
  private snapshotIfDue<State, Command, Event extends DomainEvent>(
    streamName: string,
    definition: AggregateDefinition<State, Command, Event>,
    loaded: { sinceSnapshot: number; commands: CommandWindow },
    added: number,
    at: { state: State; revision: bigint; chainHead: string | null },
  ): number {
    const sinceSnapshot = loaded.sinceSnapshot + added;
    // One snapshot of a stream in the background at a time: a load that overlapped the write in flight found none
    // and counts the whole tail, and would otherwise write another after every command.
    const snapshotDue =
      definition.snapshots !== undefined &&
      sinceSnapshot >= definition.snapshots.every &&
      !this.snapshotWrites.has(streamName);
    if (!snapshotDue) return sinceSnapshot;
    // Not awaited: a snapshot is an optimisation the reply never depends on. The state is serialised
    // synchronously here, before the first await inside, so later use of `state` cannot change it.
    const written = this.writeSnapshot(streamName, definition.snapshots!, {
      ...at,
      commands: loaded.commands,
    }).finally(() => this.snapshotWrites.delete(streamName));
    this.snapshotWrites.set(streamName, written);
    return 0;
  }

  private async readSnapshot<State>(
    streamName: string,
    policy: SnapshotPolicy<State>,
  ): Promise<
    { state: State; revision: bigint; commands: CommandWindow; chainHead?: string | null } | undefined
  > {
    const data = await this.snapshotStore.read(streamName);
    // A snapshot without the command window (written before it existed) cannot tell retries: read the stream instead.
    const readable = data?.version === policy.version || policy.alsoReads?.includes(data?.version ?? NaN);
    if (!data || !readable || !data.commands) return undefined;
    return {
      state: policy.fromSnapshot(await this.protection.openSnapshot(data.state), data.version),
      revision: BigInt(data.revision),
      commands: CommandWindow.fromSnapshot(data.commands, this.windowSize),
      ...(data.chainHead === undefined ? {} : { chainHead: data.chainHead }),
    };
  }

  // A snapshot is an optimisation: losing the race or failing to write one never fails the command.
  private async writeSnapshot<State>(
    streamName: string,
    policy: SnapshotPolicy<State>,
    at: { state: State; revision: bigint; commands: CommandWindow; chainHead: string | null },
  ): Promise<void> {
    const record: SnapshotRecord = {
      version: policy.version,
      revision: at.revision.toString(),
      state: policy.toSnapshot(at.state),
      commands: at.commands.toSnapshot(),
      chainHead: at.chainHead,
    };
    try {
      await this.snapshotStore.write(streamName, {
        ...record,
        state: await this.protection.sealSnapshot(streamName, record.state),
      });
    } catch (error) {
      this.options.onSnapshotError?.(error, streamName);
    }
  }
}

/**
 * Keeps a stream's state in the cache as of its revision, with the command window it was loaded with; a stream that
 * does not exist yet is not kept. `generation` is the cache's when the state was taken or loaded.
 */
function cacheKeeper<State>(
  cache: AggregateStateCache<State> | undefined,
  streamName: string,
  generation: number | undefined,
  commands: CommandWindow,
) {
  return (state: State, revision: bigint | undefined, sinceSnapshot: number, chainHead: string | null) => {
    if (cache && revision !== undefined)
      cache.put(streamName, { state, revision, sinceSnapshot, commands, chainHead }, generation);
  };
}

/** A cached state as if just loaded, with no tail read (its chain head known, so nothing else needs reading). */
function asLoaded<State>(cached: CachedAggregate<State>) {
  return {
    state: cached.state,
    revision: cached.revision,
    tailLength: 0,
    commands: cached.commands,
    sinceSnapshot: cached.sinceSnapshot,
    chainHead: cached.chainHead ?? null,
  };
}

function commandIdReused(commandId: string): DomainError {
  return new DomainError('command-id-reused', 'conflict', 'this command id was used for another command', {
    commandId,
  });
}

function chainHashIn(metadata: unknown): string | null {
  const hash = (metadata as Record<string, unknown> | undefined)?.[CHAIN_HASH_FIELD];
  return typeof hash === 'string' ? hash : null;
}

function jitteredPause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(50, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
