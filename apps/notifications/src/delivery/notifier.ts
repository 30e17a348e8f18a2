import { randomBytes } from 'node:crypto';
import { notificationDeliveries } from '@app/metrics';
import { PseudonymousIds } from '@app/personal-data';
import { isValidPhoneNumber } from 'libphonenumber-js';
import { DependencyUnavailableError, PoisonMessageError } from '@app/messaging';
import { classifyFailure, InvalidAddressError, withoutAddresses } from './delivery-failure';
import { deliveryIdOf, type ClaimedDelivery, type DeliveryLog, type DeliveryRecord } from './delivery-log';
import { publicDeliveryId } from './delivery-outcomes';
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
  /**
   * Keys the id others know a delivery by (publicDeliveryId), which an e-mail carries as its Message-ID: the platform's
   * (PERSONAL_DATA), so every instance gives one delivery one id. Default: a key of this process's own.
   */
  readonly ids?: PseudonymousIds;
  /**
   * Asked before a dead delivery is tried again (retryDead): a reason when the message must no longer go out (its
   * recipient was erased or deleted since); it is then marked failed with that reason, and nothing is sent.
   */
  readonly noLongerWanted?: (message: OutgoingMessage) => Promise<string | undefined>;
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

/**
 * Another attempt holds the delivery (its lease): nothing was tried here, so the bus retries it as a lost race, not
 * counting it (`isContention`). Counted, two such waits could spend the one attempt the bus allows beyond the
 * notifier's and dead-letter the event while its delivery is still pending, where nothing would bring it back.
 */
export class DeliveryBusyError extends DeliveryDeferredError {
  readonly code = 'concurrency-conflict';

  constructor(retryAfterMs?: number) {
    super('another attempt at this delivery is under way', retryAfterMs);
    this.name = 'DeliveryBusyError';
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
  private readonly ids: PseudonymousIds;
  private readonly noLongerWanted: (message: OutgoingMessage) => Promise<string | undefined>;

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
    this.ids = options.ids ?? new PseudonymousIds(randomBytes(32));
    this.noLongerWanted = options.noLongerWanted ?? (async () => undefined);
  }

  /** The delivery as it stands after this call; undefined when it was already settled before it. */
  async deliver(message: OutgoingMessage): Promise<DeliveryRecord | undefined> {
    const now = this.now();
    const claim = await this.log.claim(message, now, this.leaseMs);
    if (claim.kind === 'busy') throw new DeliveryBusyError(claim.leaseUntil - now);
    if (claim.kind === 'claimed') return this.attempt(claim.record, this.maxAttempts);
    if (claim.record.status === 'pending') return undefined;
    await this.onSettled(claim.record);
    // Dead, and its event back again (a crash between marking it and dead-lettering): to the DLQ once more.
    if (claim.record.status === 'dead') throw deadLetter(claim.record.attempts, claim.record.lastError);
    return undefined;
  }

  /**
   * A message that must not go out any more (`reason`), found so before it is sent: a delivery of it already begun
   * (tried, and left pending for a retry) is settled as failed, so that it neither waits forever nor keeps its text;
   * none begun, nothing is recorded.
   */
  async withdraw(
    message: Pick<OutgoingMessage, 'channel' | 'to' | 'idempotencyKey'>,
    reason: string,
  ): Promise<void> {
    const now = this.now();
    const claim = await this.log.claimBegun(deliveryIdOf(message), now, this.leaseMs);
    if (claim?.kind === 'busy') throw new DeliveryBusyError(claim.leaseUntil - now);
    if (claim?.kind === 'claimed') await this.drop(claim.record, reason);
  }

  /** Whether the message was delivered (the provider took it), or is being or will be tried again (pending). */
  async sentOrUnderWay(
    message: Pick<OutgoingMessage, 'channel' | 'to' | 'idempotencyKey'>,
  ): Promise<boolean> {
    const status = (await this.log.find(deliveryIdOf(message)))?.status;
    return status === 'sent' || status === 'pending';
  }

  /** Closes the pooled SMTP connections (the delivery log is closed by its owner). */
  async close(): Promise<void> {
    await this.mail.close();
  }

  /** Operators: dead deliveries back to pending, each tried once more now (and dead again if that fails too). */
  async retryDead(limit = 1_000): Promise<DeliveryRecord[]> {
    const outcomes: DeliveryRecord[] = [];
    for (const dead of await this.log.list('dead', limit)) {
      const unwanted = await this.noLongerWanted(dead.message);
      if (!(await this.log.revive(dead._id, this.now()))) continue;
      const claim = await this.log.claim(dead.message, this.now(), this.leaseMs);
      if (claim.kind === 'claimed') {
        if (unwanted) await this.drop(claim.record, unwanted);
        else await this.attempt(claim.record, 1, 'dead').catch(() => undefined);
      }
      outcomes.push((await this.log.find(dead._id))!);
    }
    return outcomes;
  }

  /** Failed for good without a try: `reason` says why it must not go out any more. */
  private async drop(record: ClaimedDelivery, reason: string): Promise<void> {
    notificationDeliveries.inc({ channel: record.message.channel, status: 'failed' });
    const settled = await this.log.finish(
      record,
      { status: 'failed', attempts: record.attempts, lastError: reason },
      this.now(),
    );
    if (settled) await this.onSettled(settled);
  }

  /**
   * `whileUnreachable`: what a delivery becomes when the provider cannot be reached. `pending`, held by the bus that
   * delivers its event again; `dead` again for an operator's retry, whose event is in the DLQ and comes back no more.
   */
  private async attempt(
    record: ClaimedDelivery,
    maxAttempts: number,
    whileUnreachable: 'pending' | 'dead' = 'pending',
  ): Promise<DeliveryRecord> {
    const attempts = record.attempts + 1;
    let providerId: string | undefined;
    try {
      ({ providerId } = await this.send(record));
    } catch (error) {
      const failure = classifyFailure(error);
      if (failure.unreachable) {
        // No attempt at this message: the bus holds it as it does in any outage, and nothing is dead-lettered for it.
        notificationDeliveries.inc({ channel: record.message.channel, status: whileUnreachable });
        await this.log.finish(
          record,
          { status: whileUnreachable, attempts: record.attempts, lastError: failure.reason },
          this.now(),
        );
        throw new DependencyUnavailableError(`the ${record.message.channel} provider cannot be reached`, {
          cause: error,
        });
      }
      const status = failure.permanent ? 'failed' : attempts >= maxAttempts ? 'dead' : 'pending';
      notificationDeliveries.inc({ channel: record.message.channel, status });
      const settled = await this.log.finish(
        record,
        { status, attempts, lastError: failure.reason },
        this.now(),
      );
      // Taken over meanwhile: the attempt that holds it now records and announces the outcome (this one is not
      // recorded, so the bus does not count it either).
      if (!settled) throw new DeliveryBusyError();
      if (status === 'pending') throw new DeliveryDeferredError(failure.reason, failure.retryAfterMs);
      await this.onSettled(settled);
      if (status === 'dead') throw deadLetter(attempts, failure.reason);
      return settled;
    }
    notificationDeliveries.inc({ channel: record.message.channel, status: 'sent' });
    // Sent: recording it must not turn into a failed attempt (that would send again), so the write is retried; a retry
    // after a lost answer gets what the first write left (finish is idempotent per attempt).
    const settled = await retried(
      () =>
        this.log.finish(
          record,
          { status: 'sent', attempts, ...(providerId ? { providerId } : {}) },
          this.now(),
        ),
      (record.leaseUntil ?? this.now() + this.leaseMs) - this.now(),
    );
    if (!settled) {
      // Another attempt took the delivery over (this one ran past its lease): what the log holds is the truth, and a
      // settled delivery is announced (announcements carry a stable id).
      const current = await this.log.find(record._id);
      if (!current)
        throw new Error(
          `the ${record.message.channel} for event ${record.message.idempotencyKey} was sent, but its record is gone from the log`,
        );
      if (current.status !== 'pending') await this.onSettled(current);
      return current;
    }
    await this.onSettled(settled);
    return settled;
  }

  private send({ _id: id, message }: ClaimedDelivery): Promise<{ providerId?: string }> {
    if (message.channel === 'email') {
      if (!EMAIL.test(message.to)) throw new InvalidAddressError(message.to);
      return this.mail.send(message, publicDeliveryId(this.ids, id));
    }
    if (!isValidPhoneNumber(message.to)) throw new InvalidAddressError(message.to);
    return this.sms.send(message);
  }
}

function deadLetter(attempts: number, reason: string | undefined): PoisonMessageError {
  return new PoisonMessageError(
    `delivery dead after ${attempts} attempts: ${withoutAddresses(reason ?? 'unknown')}`,
    'dead',
  );
}

/**
 * Tried again for the rest of the attempt's lease: the log failing for seconds (a MongoDB election takes about ten)
 * must not leave a sent message unrecorded, to be claimed again and sent twice. Not longer: past the lease another
 * attempt may hold the delivery, and a stopping service waits for this one.
 */
async function retried<T>(write: () => Promise<T>, forMs: number): Promise<T> {
  const until = Date.now() + forMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (Date.now() >= until) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * attempt)));
    }
  }
}
