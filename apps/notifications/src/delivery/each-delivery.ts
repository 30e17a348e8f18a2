import { PoisonMessageError } from '@app/messaging';

/**
 * The deliveries one event asks for, each on its own: one recipient's failure neither stops nor costs the others
 * theirs. What is thrown afterwards is for the whole event: a delivery to try again (deferred, or an unexpected
 * failure) has the bus deliver the event again, and the ones that settled are not sent twice (the delivery log);
 * only when nothing is left to try does a dead delivery send the event to the DLQ.
 */
export class EachDelivery {
  private retry: { error: unknown } | undefined;
  private dead: PoisonMessageError | undefined;

  async attempt(deliver: () => Promise<unknown>): Promise<void> {
    try {
      await deliver();
    } catch (error) {
      if (error instanceof PoisonMessageError) this.dead ??= error;
      else this.retry ??= { error };
    }
  }

  /** Throws what the event's handler must: the first failure to retry, else the first dead delivery. */
  settle(): void {
    if (this.retry) throw this.retry.error;
    if (this.dead) throw this.dead;
  }
}
