/**
 * Work done after the answer has gone, so that how long the answer takes says nothing about it: whether an account
 * exists, whether it is verified (R17, R18). Nobody awaits the work, so its failures go to `onError`, and shutdown
 * waits for what is still running (`drain`).
 */
export class AfterAnswer {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  run(work: () => Promise<void>): void {
    const job: Promise<void> = Promise.resolve()
      .then(work)
      .catch((error: unknown) => this.onError(error))
      .finally(() => this.running.delete(job));
    this.running.add(job);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
