import { PoisonMessageError } from '@app/messaging';
import { EachDelivery } from './each-delivery';
import { DeliveryBusyError, DeliveryDeferredError } from './notifier';

describe("one event's deliveries, settled together", () => {
  const settled = async (...outcomes: (Error | undefined)[]) => {
    const each = new EachDelivery();
    for (const outcome of outcomes)
      await each.attempt(async () => {
        if (outcome) throw outcome;
      });
    try {
      each.settle();
      return undefined;
    } catch (error) {
      return error;
    }
  };
  const failed = new DeliveryDeferredError('451 try later');
  const busy = new DeliveryBusyError(1_000);
  const dead = new PoisonMessageError('dead after 6 attempts', 'delivery-dead');

  it('all sent: nothing thrown', async () => {
    expect(await settled(undefined, undefined)).toBeUndefined();
  });

  it('one held by another attempt is what the event waits for, before another recipient’s counted failure', async () => {
    expect(await settled(failed, busy, dead)).toBe(busy);
    expect(await settled(busy, failed)).toBe(busy);
  });

  it('else the first failure to retry, before a dead delivery; a dead one alone dead-letters the event', async () => {
    const later = new Error('the delivery log is out of reach');
    expect(await settled(dead, failed, later)).toBe(failed);
    expect(await settled(undefined, dead)).toBe(dead);
  });
});
