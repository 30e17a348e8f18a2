/**
 * Work for one key runs one piece at a time in this process, in the order it was asked for; different keys run side by
 * side. Commands on one organization that reach the service by different paths (its own requests, which the bus
 * already orders, and reactions to identity events, which it does not) then never race each other for the stream's
 * next revision: optimistic concurrency is left for the rare race with another replica.
 */
export class OneAtATime {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (for tests of what is kept). */
  get size(): number {
    return this.tails.size;
  }
}
