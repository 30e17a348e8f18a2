export interface LookAlikeTimingOptions {
  /** How many of the imitated outcome's latest durations are kept (default 64). */
  readonly size?: number;
  /** What is imitated before any duration was recorded (default 50 ms). */
  readonly fallbackMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Makes one outcome take as long as another, so that the time taken does not tell them apart: the latest durations
 * of the outcome imitated are kept, and the imitating outcome waits until one of them, picked at random, has passed
 * since it started. Its answers then take the same spread of times, without slowing the outcome imitated.
 */
export class LookAlikeTiming {
  private readonly recent: number[] = [];
  private next = 0;
  private readonly size: number;
  private readonly fallbackMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: LookAlikeTimingOptions = {}) {
    this.size = options.size ?? 64;
    this.fallbackMs = options.fallbackMs ?? 50;
    this.now = options.now ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** A moment to measure from (`record`, `imitate`). */
  start(): number {
    return this.now();
  }

  /** The imitated outcome, begun at `startedAt`, is done. */
  record(startedAt: number): void {
    this.recent[this.next] = this.now() - startedAt;
    this.next = (this.next + 1) % this.size;
  }

  /** The imitating outcome, begun at `startedAt`, is done: waits as long as an imitated one took. */
  async imitate(startedAt: number): Promise<void> {
    const target =
      this.recent.length === 0
        ? this.fallbackMs
        : this.recent[Math.floor(this.random() * this.recent.length)]!;
    const wait = target - (this.now() - startedAt);
    if (wait > 0) await this.sleep(wait);
  }
}
