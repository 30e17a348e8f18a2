import { isValidPhoneNumber } from 'libphonenumber-js';
import { PoisonMessageError } from '@app/messaging';
import { classifyFailure, InvalidAddressError } from './delivery-failure';
import { type DeliveryLog, type DeliveryRecord } from './delivery-log';
import { type MailTransport } from './mail-transport';
import { type OutgoingMessage } from './outgoing-message';
import { type SmsTransport } from './sms-transport';

export interface NotifierOptions {
  /** Attempts per delivery, over redeliveries and restarts, before it is dead (default 6). */
  readonly maxAttempts?: number;
  /** How long an attempt holds its delivery; a crashed attempt is taken over after it (default 60 s). */
  readonly leaseMs?: number;
  readonly now?: () => number;
  /**
   * Told of every settled delivery (sent, failed, dead), and again whenever a redelivered event finds one settled, so
   * an outcome whose announcement was lost is announced on the retry (announcements carry a stable id).
   */
  readonly onSettled?: (record: DeliveryRecord) => Promise<void>;
}

/** A transient failure: thrown so that the bus tries again later (after `retryAfterMs` when the provider said so). */
export class DeliveryDeferredError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryDeferredError';
  }
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/**
 * Delivers each message once per (event, channel, recipient), whatever the bus redelivers: the delivery log decides
 * who attempts, and records every attempt. A permanent failure settles as `failed` at once; a transient one stays
 * `pending` and is thrown for the bus to retry with backoff, until the attempts are used up: then it is `dead` and
 * thrown as poison, which sends the event to the topic's DLQ.
 */
export class Notifier {
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private readonly now: () => number;
  private readonly onSettled: (record: DeliveryRecord) => Promise<void>;

  constructor(
    private readonly mail: MailTransport,
    private readonly sms: SmsTransport,
    private readonly log: DeliveryLog,
    options: NotifierOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.onSettled = options.onSettled ?? (async () => undefined);
  }

  /** The delivery as it stands after this call; undefined when it was already settled before it. */
  async deliver(message: OutgoingMessage): Promise<DeliveryRecord | undefined> {
    const claim = await this.log.claim(message, this.now(), this.leaseMs);
    if (claim.kind === 'settled') {
      if (claim.record.status !== 'pending') await this.onSettled(claim.record);
      return undefined;
    }
    if (claim.kind === 'busy')
      throw new DeliveryDeferredError('another attempt at this delivery is under way');
    return this.attempt(claim.record);
  }

  /** Operators: dead deliveries back to pending, each tried once more now. */
  async retryDead(limit = 1_000): Promise<DeliveryRecord[]> {
    const outcomes: DeliveryRecord[] = [];
    for (const dead of await this.log.list('dead', limit)) {
      if (!(await this.log.revive(dead._id, this.now()))) continue;
      try {
        outcomes.push((await this.deliver(dead.message)) ?? (await this.log.find(dead._id))!);
      } catch {
        outcomes.push((await this.log.find(dead._id))!);
      }
    }
    return outcomes;
  }

  private async attempt(record: DeliveryRecord): Promise<DeliveryRecord> {
    const id = record._id;
    const attempts = record.attempts + 1;
    try {
      const { providerId } = await this.send(record.message);
      await this.log.finish(
        id,
        { status: 'sent', attempts, ...(providerId ? { providerId } : {}) },
        this.now(),
      );
    } catch (error) {
      const failure = classifyFailure(error);
      const status = failure.permanent ? 'failed' : attempts >= this.maxAttempts ? 'dead' : 'pending';
      await this.log.finish(id, { status, attempts, lastError: failure.reason }, this.now());
      if (status === 'pending') throw new DeliveryDeferredError(failure.reason, failure.retryAfterMs);
      if (status === 'dead') {
        await this.onSettled((await this.log.find(id))!);
        throw new PoisonMessageError(
          `delivery ${id} dead after ${attempts} attempts: ${failure.reason}`,
          'dead',
        );
      }
    }
    const settled = (await this.log.find(id))!;
    await this.onSettled(settled);
    return settled;
  }

  private send(message: OutgoingMessage): Promise<{ providerId?: string }> {
    if (message.channel === 'email') {
      if (!EMAIL.test(message.to)) throw new InvalidAddressError(message.to);
      return this.mail.send(message);
    }
    if (!isValidPhoneNumber(message.to)) throw new InvalidAddressError(message.to);
    return this.sms.send(message);
  }
}
