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
  private readonly entries = new Map<string, { entry: CachedAggregate<State>; at: number }>();
  private cleared = 0;

  /**
   * `maxAgeMs`: an entry older than this is not used (the stream is loaded again), which bounds how long a state can
   * outlive something that should have cleared it but was missed.
   */
  constructor(
    private readonly maxEntries = 1_000,
    private readonly maxAgeMs = Infinity,
    private readonly now: () => number = Date.now,
  ) {}

  /** Changes with every `clear()`: an entry taken before one is not put back after it. */
  get generation(): number {
    return this.cleared;
  }

  take(streamName: string): CachedAggregate<State> | undefined {
    const held = this.entries.get(streamName);
    if (!held) return undefined;
    this.entries.delete(streamName);
    return this.now() - held.at <= this.maxAgeMs ? held.entry : undefined;
  }

  /** Forgets every state, and those in use now once they are put back: the next command loads each from the store. */
  clear(): void {
    this.entries.clear();
    this.cleared++;
  }

  /** `takenIn`: the generation read before the entry was taken or loaded; from before a `clear()`, it is dropped. */
  put(streamName: string, entry: CachedAggregate<State>, takenIn?: number): void {
    if (takenIn !== undefined && takenIn !== this.cleared) return;
    this.entries.delete(streamName);
    this.entries.set(streamName, { entry, at: this.now() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
