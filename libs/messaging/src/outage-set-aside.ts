/** A backoff at least this long is waited with the message's partition paused, not holding the consumer's fetch. */
export const SET_ASIDE_FROM_MS = 1_000;

/**
 * The messages one Kafka consumer set aside to wait out an outage: kafkajs fetches a broker's partitions again only
 * once every batch of its last fetch is done, so a message waiting in place would hold every other partition of
 * that broker too (an SMS provider out would hold the service's mail). A message whose next try is at least
 * `SET_ASIDE_FROM_MS` away instead pauses its own partition until then and ends its batch undone; the partition is
 * fetched again from its lowest unfinished message once resumed. What is kept here is what makes that invisible to
 * the retry schedule: the attempts each set-aside message already had, and one resume timer per partition.
 */
export class OutageSetAside {
  private readonly attempts = new Map<string, number>();
  private readonly resumeTimers = new Map<string, { timer: NodeJS.Timeout; dueAt: number }>();
  private closed = false;

  /** The attempts `offset` had before it was set aside (0 for a message never set aside), forgotten once read. */
  takeAttempts(topic: string, partition: number, offset: string): number {
    const key = messageKey(topic, partition, offset);
    const attempts = this.attempts.get(key) ?? 0;
    this.attempts.delete(key);
    return attempts;
  }

  /**
   * Sets the message aside when its next try is far enough away: pauses its partition (`pause` answers the function
   * that resumes it) until `retryInMs` from now. Answers whether it did.
   */
  setAside(
    message: { topic: string; partition: number; offset: string },
    attempts: number,
    retryInMs: number,
    pause: () => () => void,
  ): boolean {
    if (this.closed || retryInMs < SET_ASIDE_FROM_MS) return false;
    const { topic, partition, offset } = message;
    this.attempts.set(messageKey(topic, partition, offset), attempts);
    const resume = pause();
    // One timer a partition: two messages of one batch set aside resume it at the later one's time.
    const partitionKey = `${topic}/${partition}`;
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

  /** The subscription is closing: nothing more is set aside, and no paused partition is resumed. */
  close(): void {
    this.closed = true;
    for (const { timer } of this.resumeTimers.values()) clearTimeout(timer);
    this.resumeTimers.clear();
  }
}

function messageKey(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}@${offset}`;
}
