import { type CommandWindow } from './command-window';

/** A state held for one stream: its revision, how many events since the last snapshot, its latest command ids. */
export interface CachedAggregate<State> {
  readonly state: State;
  readonly revision: bigint;
  readonly sinceSnapshot: number;
  readonly commands: CommandWindow;
  /** The hash of the stream's last event (`null`: it has none, written before hash chains; absent: not known). */
  readonly chainHead?: string | null;
}

/**
 * Keeps the latest folded state of recently used streams in memory, so a command on a long-lived aggregate reads
 * only the events appended since (usually none) instead of a snapshot and its tail. An entry is *taken* for the
 * duration of a command and put back afterwards: states may be updated in place by `evolve`, so a state is never
 * shared between two commands in flight (the second one loads from the store instead). Bounded, least recently used
 * first out. Pair one cache with one decider: states of different deciders must not meet.
 */
export class AggregateStateCache<State> {
  private readonly entries = new Map<string, CachedAggregate<State>>();

  constructor(private readonly maxEntries = 1_000) {}

  take(streamName: string): CachedAggregate<State> | undefined {
    const entry = this.entries.get(streamName);
    if (entry) this.entries.delete(streamName);
    return entry;
  }

  /** Forgets every state: the next command on each stream loads it from the store. */
  clear(): void {
    this.entries.clear();
  }

  put(streamName: string, entry: CachedAggregate<State>): void {
    this.entries.delete(streamName);
    this.entries.set(streamName, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
