import { randomUUID } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type OutgoingMessage } from './outgoing-message';
import { type RecipientKeys } from './recipient-keys';

/** How long a delivery that ended may leave its message's text in the superseded line of its claim. */
const SENT_TEXT_KEPT_MS = 1_000;

/** `pending` while attempts go on; `sent`, `failed` (permanently) and `dead` (attempts exhausted) are settled. */
export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'dead';

/** One delivery: an event's message to one recipient on one channel. */
export interface DeliveryRecord {
  /** `<event key>|<channel>|<recipient>`: unique, so a redelivered event finds its delivery instead of making one. */
  readonly _id: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastError?: string;
  readonly providerId?: string;
  /** What is sent, kept so that an operator can retry a dead delivery without the event. */
  readonly message: OutgoingMessage;
  /**
   * The key id of the recipient's address (`RecipientKeys`): an erasure names the keys it destroyed, and every
   * delivery to those addresses is forgotten by it.
   */
  readonly recipientKey?: string;
  /** While an attempt runs (epoch ms): nobody else starts one until then, and a crashed attempt is taken over after. */
  readonly leaseUntil?: number;
  /**
   * Which attempt holds the lease (while `leaseUntil` is set), or last held it: only the holder may end the attempt,
   * so a slow one taken over cannot undo the next.
   */
  readonly leaseToken?: string;
  readonly updatedAt: string;
}

/** A delivery as its claim left it: pending, under the lease of `leaseToken`. */
export type ClaimedDelivery = DeliveryRecord & { readonly leaseToken: string };

export type Claim =
  | { readonly kind: 'claimed'; readonly record: ClaimedDelivery }
  | { readonly kind: 'settled'; readonly record: DeliveryRecord }
  | { readonly kind: 'busy'; readonly leaseUntil: number };

export interface AttemptOutcome {
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastError?: string;
  readonly providerId?: string;
}

/**
 * Where deliveries are recorded, so that what was sent is sent once across redeliveries, restarts and instances.
 * `claim` is the only way to start an attempt and is atomic per delivery: of two claims of one pending delivery
 * whose lease is free, one wins.
 */
export interface DeliveryLog {
  claim(message: OutgoingMessage, now: number, leaseMs: number): Promise<Claim>;
  /**
   * A claim of the delivery `id` only if it was begun (recorded) already, never recording it anew: undefined when it
   * is not recorded, which an erasure that forgot it meanwhile must not be undone by.
   */
  claimBegun(id: string, now: number, leaseMs: number): Promise<Claim | undefined>;
  /**
   * Ends the attempt of `claimed` (frees its lease) and answers the delivery as it now stands; undefined, and nothing
   * written, when another attempt took the delivery over (this one ran past its lease). Repeated by the same attempt
   * (a retry after a lost answer), it writes nothing and answers what the first ending left. A settled delivery keeps
   * only the message's channel and address: its text may hold a single-use link.
   */
  finish(claimed: ClaimedDelivery, outcome: AttemptOutcome, now: number): Promise<DeliveryRecord | undefined>;
  find(id: string): Promise<DeliveryRecord | undefined>;
  list(status: DeliveryStatus, limit: number): Promise<DeliveryRecord[]>;
  /** A dead delivery back to pending with its attempts counted from zero; false when it was not dead. */
  revive(id: string, now: number): Promise<boolean>;
  /**
   * Erasure: every delivery to an address whose key id is among `keys`, or about a user whose id is, is deleted (its
   * address and message with it). Answers how many.
   */
  forget(keys: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

/** Whether erasing `keys` forgets the delivery `record`. */
export function erasedBy(record: DeliveryRecord, keys: ReadonlySet<string>): boolean {
  const userId = record.message.about?.userId;
  return (
    (record.recipientKey !== undefined && keys.has(record.recipientKey)) ||
    (userId !== undefined && keys.has(userId))
  );
}

/** The delivery a claim becomes once its attempt ends with `outcome` (what `finish` writes). */
export function finished(claimed: ClaimedDelivery, outcome: AttemptOutcome, now: number): DeliveryRecord {
  // The lease ends with leaseUntil; leaseToken stays, naming the attempt that ended it.
  const { leaseUntil: _free, lastError: _e, providerId: _p, ...rest } = claimed;
  const message =
    outcome.status === 'pending' || outcome.status === 'dead' ? rest.message : settledMessage(rest.message);
  return { ...rest, ...outcome, message, updatedAt: new Date(now).toISOString() };
}

/** What a settled delivery keeps of its message. */
export function settledMessage(message: OutgoingMessage): OutgoingMessage {
  return message.channel === 'email'
    ? {
        channel: 'email',
        to: message.to,
        subject: '',
        text: '',
        idempotencyKey: message.idempotencyKey,
        ...(message.about ? { about: message.about } : {}),
      }
    : {
        channel: 'sms',
        to: message.to,
        text: '',
        idempotencyKey: message.idempotencyKey,
        ...(message.about ? { about: message.about } : {}),
      };
}

export function deliveryIdOf(message: Pick<OutgoingMessage, 'idempotencyKey' | 'channel' | 'to'>): string {
  return `${message.idempotencyKey}|${message.channel}|${message.to.toLowerCase()}`;
}

/**
 * The log in this process's memory, and, given a file, kept there too: each change appends the record as it now is
 * to a JSON-lines file (the embedded default's `<DATA_DIR>/notifications/deliveries.jsonl`), read back at start.
 * A pending record holds its message, links included: the file is its owner's alone (0600), and it is rewritten with
 * only the current records at start, whenever superseded lines outnumber them, and within a second of a delivery's
 * end, so a sent message's link does not stay behind in an older line. One process per file (the embedded default): claims are atomic in its memory only.
 */
export class LocalDeliveryLog implements DeliveryLog {
  private readonly records = new Map<string, DeliveryRecord>();
  private lines = 0;

  /**
   * `slack`: how many superseded lines the file may hold beyond half its records before it is rewritten.
   * `recipientKeys`: records the key id of each recipient address; records kept before it was recorded get theirs
   * once the log is open (an erasure waits for that).
   */
  constructor(
    private readonly file?: string,
    private readonly slack = 1_000,
    private readonly recipientKeys?: RecipientKeys,
  ) {
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    chmodSync(dirname(file), 0o700);
    // A rewrite a crash cut short left its temp file (pending messages' text with it): the log itself is whole.
    for (const name of readdirSync(dirname(file)))
      if (name.startsWith(`${basename(file)}.`) && name.endsWith('.tmp')) rmSync(join(dirname(file), name));
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // A crash mid-append leaves a line without its end: close it, so the next record starts a line of its own.
    if (text !== '' && !text.endsWith('\n')) appendFileSync(file, '\n');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const record = JSON.parse(line) as DeliveryRecord;
        this.records.set(record._id, record);
      } catch {
        // a line cut short by a crash mid-write: the record before it stands
      }
    }
    this.compact(file);
    this.keyed = this.keyEarlierRecords();
    // Its failure is the next erasure's to report (and to try again), not an unhandled rejection.
    this.keyed.catch(() => undefined);
  }

  /** Records kept before recipient keys were, keyed now. */
  private keyed: Promise<void> = Promise.resolve();

  private async keyEarlierRecords(): Promise<void> {
    const keys = this.recipientKeys;
    if (!keys) return;
    for (const record of [...this.records.values()]) {
      if (record.recipientKey !== undefined) continue;
      const recipientKey = await keys.of(record.message);
      // Changed meanwhile (a claim keeps what it read): keyed as it now stands.
      const current = this.records.get(record._id);
      if (current && current.recipientKey === undefined)
        this.records.set(record._id, { ...current, recipientKey });
    }
    if (this.file) this.compact(this.file);
  }

  async claim(message: OutgoingMessage, now: number, leaseMs: number): Promise<Claim> {
    const id = deliveryIdOf(message);
    // Looked up first: from reading the record to saving the claim nothing may wait, or two claims could both win.
    const recipientKey = await this.recipientKeys?.of(message);
    return this.claimNow(id, message, recipientKey, now, leaseMs);
  }

  async claimBegun(id: string, now: number, leaseMs: number): Promise<Claim | undefined> {
    const current = this.records.get(id);
    return current && this.claimNow(id, current.message, current.recipientKey, now, leaseMs);
  }

  /** Synchronous from reading the record to saving the claim, so that of two claims one wins. */
  private claimNow(
    id: string,
    message: OutgoingMessage,
    recipientKey: string | undefined,
    now: number,
    leaseMs: number,
  ): Claim {
    const current = this.records.get(id);
    if (current && current.status !== 'pending') return { kind: 'settled', record: current };
    if (current?.leaseUntil !== undefined && current.leaseUntil > now)
      return { kind: 'busy', leaseUntil: current.leaseUntil };
    const record = {
      ...(current ?? {
        _id: id,
        status: 'pending' as const,
        attempts: 0,
        message,
        ...(recipientKey === undefined ? {} : { recipientKey }),
      }),
      leaseUntil: now + leaseMs,
      leaseToken: randomUUID(),
      updatedAt: new Date(now).toISOString(),
    };
    this.save(record);
    return { kind: 'claimed', record };
  }

  async finish(
    claimed: ClaimedDelivery,
    outcome: AttemptOutcome,
    now: number,
  ): Promise<DeliveryRecord | undefined> {
    const current = this.records.get(claimed._id);
    if (current?.leaseToken !== claimed.leaseToken) return undefined;
    if (current.leaseUntil === undefined) return current; // ended already, by this attempt
    const record = finished({ ...current, leaseToken: claimed.leaseToken }, outcome, now);
    this.save(record);
    return record;
  }

  async find(id: string): Promise<DeliveryRecord | undefined> {
    return this.records.get(id);
  }

  async list(status: DeliveryStatus, limit: number): Promise<DeliveryRecord[]> {
    return [...this.records.values()].filter((r) => r.status === status).slice(0, limit);
  }

  async revive(id: string, now: number): Promise<boolean> {
    const current = this.records.get(id);
    if (current?.status !== 'dead') return false;
    this.save({ ...current, status: 'pending', attempts: 0, updatedAt: new Date(now).toISOString() });
    return true;
  }

  async forget(keys: readonly string[]): Promise<number> {
    await this.keyed.catch(() => (this.keyed = this.keyEarlierRecords()));
    const erased = new Set(keys);
    const forgotten = [...this.records.values()].filter((record) => erasedBy(record, erased));
    for (const record of forgotten) this.records.delete(record._id);
    // Rewritten at once: the lines of what was forgotten (the address, a pending message's text) leave the file.
    if (forgotten.length > 0 && this.file) this.compact(this.file);
    return forgotten.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.textLeavesSoon === undefined) return;
    clearTimeout(this.textLeavesSoon);
    this.textLeavesSoon = undefined;
    if (this.file) this.compact(this.file);
  }

  private textLeavesSoon: NodeJS.Timeout | undefined;
  private closed = false;

  private save(record: DeliveryRecord): void {
    this.records.set(record._id, record);
    if (!this.file) return;
    appendFileSync(this.file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    // Each sent delivery leaves its claim's line (with the message) superseded: rewritten whenever the superseded
    // lines pass half the records (plus the slack), so the file stays within a few times its records at O(1) a save.
    if (++this.lines - this.records.size > this.records.size / 2 + this.slack) this.compact(this.file);
    // And within a second of a delivery's end, at most once a second: its claim's line held the message, whose link
    // (a reset, a verification) still works until it expires.
    else if (record.status !== 'pending' && this.textLeavesSoon === undefined && !this.closed) {
      const file = this.file;
      this.textLeavesSoon = setTimeout(() => {
        this.textLeavesSoon = undefined;
        try {
          this.compact(file);
        } catch {
          // Nobody waits on this rewrite (a full disk, the folder gone): the next delivery's end, the next
          // rewrite as lines pile up, closing or the next start try again. A throw here would end the process.
        }
      }, SENT_TEXT_KEPT_MS);
      this.textLeavesSoon.unref();
    }
  }

  /** The current records only, written beside the file and renamed over it: a crash leaves one or the other whole. */
  private compact(file: string): void {
    const temp = `${file}.${randomUUID()}.tmp`;
    const text = [...this.records.values()].map((record) => `${JSON.stringify(record)}\n`).join('');
    writeFileSync(temp, text, { mode: 0o600, flush: true });
    renameSync(temp, file);
    chmodSync(file, 0o600);
    const folder = openSync(dirname(file), 'r');
    try {
      fsyncSync(folder); // the rename itself survives a power cut
    } finally {
      closeSync(folder);
    }
    this.lines = this.records.size;
  }
}
