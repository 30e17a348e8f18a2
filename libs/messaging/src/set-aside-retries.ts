import { type DeliveryProgress } from './deliver-with-retries';

/** A retry at least this far away is waited with the message's partition paused, not holding the consumer's fetch. */
export const SET_ASIDE_FROM_MS = 1_000;

interface MessageAt {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * The messages one Kafka consumer set aside to wait for their next try: kafkajs fetches a broker's partitions again
 * only once every batch of its last fetch is done, so a message waiting in place (an SMS provider out, a relay asking
 * to come back in a minute) would hold every other partition of that broker too. A message whose next try is at least
 * `SET_ASIDE_FROM_MS` away pauses its own partition until then and ends its batch undone; the partition is fetched
 * again from its lowest unfinished message once resumed. What is kept here makes that invisible to the message and to
 * the others: where each set-aside message's retries stood, which messages after it in its partition were done
 * already (so they are not handled again), and one resume timer per partition.
 */
export class SetAsideRetries {
  private readonly progress = new Map<string, DeliveryProgress>();
  private readonly finished = new Map<string, Set<string>>();
  private readonly resumeTimers = new Map<string, { timer: NodeJS.Timeout; dueAt: number }>();
  private closed = false;

  /** Where the message's retries stood when it was set aside (nothing for one never set aside); forgotten once read. */
  takeProgress(message: MessageAt): DeliveryProgress | undefined {
    if (this.progress.size === 0) return undefined; // every message asks: no key built while nothing was set aside
    const key = messageKey(message);
    const progress = this.progress.get(key);
    this.progress.delete(key);
    return progress;
  }

  /**
   * Sets the message aside when its next try is far enough away: pauses its partition (`pause` answers the function
   * that resumes it, or nothing when it could not pause) until `retryInMs` from now. Answers whether it did.
   */
  setAside(
    message: MessageAt,
    progress: DeliveryProgress,
    retryInMs: number,
    pause: () => (() => void) | undefined,
  ): boolean {
    if (this.closed || retryInMs < SET_ASIDE_FROM_MS) return false;
    const resume = pause();
    if (!resume) return false;
    this.progress.set(messageKey(message), progress);
    // One timer a partition: two messages of one batch set aside resume it at the later one's time.
    const partitionKey = partitionKeyOf(message);
    const dueAt = Date.now() + retryInMs;
    const current = this.resumeTimers.get(partitionKey);
    if (current && current.dueAt >= dueAt) return true;
    clearTimeout(current?.timer);
    const timer = setTimeout(() => {
      this.resumeTimers.delete(partitionKey);
      resume();
    }, retryInMs);
    this.resumeTimers.set(partitionKey, { timer, dueAt });
    return true;
  }

  /**
   * The messages of a partition done (handled or dead-lettered) behind one set aside, which its next fetch brings
   * again: each is taken as done then, once. Replaces what was kept for the partition before.
   */
  rememberFinished(topic: string, partition: number, offsets: readonly string[]): void {
    const key = partitionKeyOf({ topic, partition });
    if (offsets.length === 0) this.finished.delete(key);
    else this.finished.set(key, new Set(offsets));
  }

  /** Whether the message was done before its partition was set aside (then it is not handled again); once. */
  takeFinished(message: MessageAt): boolean {
    if (this.finished.size === 0) return false;
    const offsets = this.finished.get(partitionKeyOf(message));
    return offsets?.delete(message.offset) ?? false;
  }

  /**
   * A rebalance gave this member `assignment` (topic -> partitions): what it remembered of the others is dropped (a
   * partition that comes back later is read from its committed offset, as anyone would).
   */
  forgetAllBut(assignment: Readonly<Record<string, readonly number[]>>): void {
    const kept = new Set(
      Object.entries(assignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => partitionKeyOf({ topic, partition })),
      ),
    );
    for (const key of this.finished.keys()) if (!kept.has(key)) this.finished.delete(key);
    for (const key of this.progress.keys())
      if (!kept.has(key.slice(0, key.lastIndexOf('@')))) this.progress.delete(key);
  }

  /** The subscription is closing: nothing more is set aside, and no paused partition is resumed. */
  close(): void {
    this.closed = true;
    for (const { timer } of this.resumeTimers.values()) clearTimeout(timer);
    this.resumeTimers.clear();
  }
}

function partitionKeyOf({ topic, partition }: { topic: string; partition: number }): string {
  return `${topic}/${partition}`;
}

function messageKey(message: MessageAt): string {
  return `${partitionKeyOf(message)}@${message.offset}`;
}
