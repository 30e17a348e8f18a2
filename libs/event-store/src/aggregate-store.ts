import {
  FORWARDS,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import { type Decider, type DomainEvent } from '@app/domain';
import { type AggregateStateCache, type CachedAggregate } from './aggregate-state-cache';
import { deterministicEventId } from './deterministic-event-id';
import { ConcurrencyConflictError } from './errors';
import { metadataFor, type CommandContext } from './event-metadata';
import { readLastEvent } from './read-last-event';
import { toRecordedDomainEvent } from './recorded-event';
import {
  SNAPSHOT_EVENT_TYPE,
  snapshotStreamOf,
  type SnapshotPolicy,
  type SnapshotRecord,
} from './snapshot-policy';
import { noUpcasters, type Upcasters } from './upcasting';

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
  /** Revision of the first event of `commandId` when it is already in the stream (a retried command). */
  readonly alreadyAppliedAt?: bigint;
}

export interface CommandResult<State, Event extends DomainEvent> {
  readonly state: State;
  readonly events: readonly Event[];
  /** The stream revision after the command: what a reader must reach to see its effect. */
  readonly revision: bigint | undefined;
  /** True when the command had already been applied by an earlier attempt with the same id. */
  readonly duplicate: boolean;
}

export interface AggregateStoreOptions {
  readonly upcasters?: Upcasters;
  /** Attempts on a concurrency conflict before giving up with ConcurrencyConflictError. */
  readonly maxAttempts?: number;
  readonly onSnapshotError?: (error: unknown, streamName: string) => void;
}

/**
 * Runs a command against one stream: load (snapshot + tail), decide, append with the expected revision. A conflict
 * reloads and decides again, a bounded number of times. Event ids derive from the command id, so a command retried
 * after a lost reply neither appends twice nor fails.
 */
export class AggregateStore {
  private readonly upcasters: Upcasters;
  private readonly maxAttempts: number;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: AggregateStoreOptions = {},
  ) {
    this.upcasters = options.upcasters ?? noUpcasters;
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  async load<State, Event extends DomainEvent>(
    streamName: string,
    definition: LoadableAggregate<State, Event>,
    commandId?: string,
    from?: CachedAggregate<State>,
  ): Promise<LoadedAggregate<State> & { recentCommands: Map<string, bigint>; sinceSnapshot: number }> {
    const { decider, snapshots } = definition;
    const snapshot = from ?? (snapshots ? await this.readSnapshot(streamName, snapshots) : undefined);
    let state = snapshot?.state ?? decider.initialState();
    let revision = snapshot?.revision;
    let tailLength = 0;
    const firstIdOfCommand = commandId === undefined ? undefined : deterministicEventId(commandId, 0);
    // Taken from the cache, the entry is this command's alone: its index is extended in place.
    const recentCommands = from?.recentCommands ?? new Map<string, bigint>();
    let alreadyAppliedAt = firstIdOfCommand === undefined ? undefined : recentCommands.get(firstIdOfCommand);
    try {
      const reads = this.client.readStream(streamName, {
        direction: FORWARDS,
        fromRevision: revision === undefined ? START : revision + 1n,
      });
      for await (const resolved of reads) {
        const recorded = toRecordedDomainEvent<Event>(resolved, this.upcasters);
        if (!recorded) continue;
        state = decider.evolve(state, recorded.event);
        revision = recorded.revision;
        tailLength++;
        if (recorded.id === firstIdOfCommand) alreadyAppliedAt = recorded.revision;
        recentCommands.set(recorded.id, recorded.revision);
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return {
      state,
      revision,
      tailLength,
      recentCommands,
      sinceSnapshot: (from?.sinceSnapshot ?? 0) + tailLength,
      ...(alreadyAppliedAt === undefined ? {} : { alreadyAppliedAt }),
    };
  }

  async handle<State, Command, Event extends DomainEvent>(
    streamName: string,
    definition: AggregateDefinition<State, Command, Event>,
    command: Command,
    context: CommandContext,
  ): Promise<CommandResult<State, Event>> {
    const cache = definition.cache;
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(streamName, definition, context.commandId, cache?.take(streamName));
      const keep = (state: State, revision: bigint | undefined, sinceSnapshot: number) => {
        if (cache && revision !== undefined)
          cache.put(streamName, { state, revision, sinceSnapshot, recentCommands: loaded.recentCommands });
      };
      if (loaded.alreadyAppliedAt !== undefined) {
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot);
        return { state: loaded.state, events: [], revision: loaded.revision, duplicate: true };
      }
      let events: readonly Event[];
      try {
        events = definition.decider.decide(command, loaded.state);
      } catch (refusal) {
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot);
        throw refusal;
      }
      if (events.length === 0) {
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot);
        return { state: loaded.state, events, revision: loaded.revision, duplicate: false };
      }
      try {
        const result = await this.client.appendToStream(
          streamName,
          events.map((event, index) =>
            jsonEvent({
              id: deterministicEventId(context.commandId, index),
              type: event.type,
              data: event.data as Record<string, unknown>,
              metadata: metadataFor(context, this.upcasters.currentVersion(event.type)),
            }),
          ),
          { expectedRevision: loaded.revision ?? NO_STREAM },
        );
        const state = events.reduce(definition.decider.evolve, loaded.state);
        const sinceSnapshot = loaded.sinceSnapshot + events.length;
        const snapshotDue = definition.snapshots !== undefined && sinceSnapshot >= definition.snapshots.every;
        // Not awaited: a snapshot is an optimisation the reply never depends on. The state is serialised
        // synchronously here, before the first await inside, so later use of `state` cannot change it.
        if (snapshotDue)
          void this.writeSnapshot(streamName, definition.snapshots!, state, result.nextExpectedRevision);
        loaded.recentCommands.set(deterministicEventId(context.commandId, 0), result.nextExpectedRevision);
        keep(state, result.nextExpectedRevision, snapshotDue ? 0 : sinceSnapshot);
        return { state, events, revision: result.nextExpectedRevision, duplicate: false };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        keep(loaded.state, loaded.revision, loaded.sinceSnapshot); // still right as of its revision
        if (attempt >= this.maxAttempts) throw new ConcurrencyConflictError(streamName, attempt);
        await jitteredPause(attempt);
      }
    }
  }

  private async readSnapshot<State>(
    streamName: string,
    policy: SnapshotPolicy<State>,
  ): Promise<{ state: State; revision: bigint } | undefined> {
    const resolved = await readLastEvent(this.client, snapshotStreamOf(streamName));
    const data = resolved?.event?.data as unknown as SnapshotRecord | undefined;
    if (!data || data.version !== policy.version) return undefined;
    return { state: policy.fromSnapshot(data.state), revision: BigInt(data.revision) };
  }

  // A snapshot is an optimisation: losing the race or failing to write one never fails the command.
  private async writeSnapshot<State>(
    streamName: string,
    policy: SnapshotPolicy<State>,
    state: State,
    revision: bigint,
  ): Promise<void> {
    const record: SnapshotRecord = {
      version: policy.version,
      revision: revision.toString(),
      state: policy.toSnapshot(state),
    };
    try {
      await this.client.appendToStream(
        snapshotStreamOf(streamName),
        jsonEvent({ type: SNAPSHOT_EVENT_TYPE, data: record as unknown as Record<string, unknown> }),
      );
    } catch (error) {
      this.options.onSnapshotError?.(error, streamName);
    }
  }
}

function jitteredPause(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(50, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
