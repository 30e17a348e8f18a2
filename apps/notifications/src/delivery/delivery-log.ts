import { type DeliveryReceipt } from './outgoing-message';

/**
 * Records what was delivered, keyed by idempotency key, so a redelivered event (the bus is at-least-once) does not
 * send the same e-mail twice. `claim` is atomic: of two concurrent deliveries of one key, one sends.
 */
export interface DeliveryLog {
  claim(idempotencyKey: string): Promise<boolean>;
  release(idempotencyKey: string): Promise<void>;
  record(receipt: DeliveryReceipt): Promise<void>;
  find(idempotencyKey: string): Promise<DeliveryReceipt | undefined>;
}

export class InMemoryDeliveryLog implements DeliveryLog {
  private readonly claimed = new Set<string>();
  private readonly receipts = new Map<string, DeliveryReceipt>();

  async claim(key: string): Promise<boolean> {
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    return true;
  }
  async release(key: string): Promise<void> {
    this.claimed.delete(key);
  }
  async record(receipt: DeliveryReceipt): Promise<void> {
    this.receipts.set(receipt.idempotencyKey, receipt);
  }
  async find(key: string): Promise<DeliveryReceipt | undefined> {
    return this.receipts.get(key);
  }
}
