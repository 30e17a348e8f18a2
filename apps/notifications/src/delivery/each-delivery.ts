import { PoisonMessageError } from '@app/messaging';
import { DeliveryBusyError } from './notifier';

/**
 * The deliveries one event asks for, each on its own: one recipient's failure neither stops nor costs the others
 * theirs. What is thrown afterwards is for the whole event: a delivery to try again (deferred, or an unexpected
 * failure) has the bus deliver the event again, and the ones that settled are not sent twice (the delivery log);
 * only when nothing is left to try does a dead delivery send the event to the DLQ.
 */
export class EachDelivery {
  private retry: { error: unknown } | undefined;
  private busy: DeliveryBusyError | undefined;
  private dead: PoisonMessageError | undefined;

  async attempt(deliver: () => Promise<unknown>): Promise<void> {
    try {
      await deliver();
    } catch (error) {
      if (error instanceof PoisonMessageError) this.dead ??= error;
      else if (error instanceof DeliveryBusyError) this.busy ??= error;
      else this.retry ??= { error };
    }
  }

  /**
   * Throws what the event's handler must: a delivery another attempt holds first (the bus waits for it without
   * counting: another recipient's failures, each counted by its own delivery, must not spend the event's attempts
   * while this one has had none), else the first failure to retry, else the first dead delivery.
   */
  settle(): void {
    if (this.busy) throw this.busy;
    if (this.retry) throw this.retry.error;
    if (this.dead) throw this.dead;
  }
}
