import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { MongoBulkWriteError, type Collection, type Filter, type UpdateFilter } from 'mongodb';
import { randomUUID } from 'node:crypto';
import {
  deliveryIdOf,
  finished,
  type AttemptOutcome,
  type Claim,
  type ClaimedDelivery,
  type DeliveryLog,
  type DeliveryRecord,
  type DeliveryStatus,
} from './delivery-log';
import { type RecipientKeys } from './recipient-keys';
import { type OutgoingMessage } from './outgoing-message';
import { WriteBatcher } from './write-batcher';

const DUPLICATE_KEY = 11000;

const deliverySchema = new Schema<DeliveryRecord>(
  {
    _id: { type: String, required: true },
    status: { type: String, required: true, enum: ['pending', 'sent', 'failed', 'dead'] },
    attempts: { type: Number, required: true },
    lastError: String,
    providerId: String,
    message: { type: Schema.Types.Mixed, required: true },
    recipientKey: String,
    leaseUntil: Number,
    leaseToken: String,
    updatedAt: { type: String, required: true },
  },
  { collection: 'notification_deliveries', versionKey: false, strict: true },
);
// Operators list what is dead (or failed) by status, oldest first.
deliverySchema.index({ status: 1, updatedAt: 1 });
// An erasure forgets the deliveries to an address by its key id, and those about a user by the user's id. Not sparse:
// the records an earlier release left without a key are found through it too (`recipientKey: null`), in `_id` order.
deliverySchema.index({ recipientKey: 1, _id: 1 });
deliverySchema.index({ 'message.about.userId': 1 }, { sparse: true });

interface FinishWrite {
  readonly filter: Filter<DeliveryRecord>;
  readonly update: UpdateFilter<DeliveryRecord>;
  /** What the write leaves: the finished record, still naming the attempt's lease token. */
  readonly record: DeliveryRecord;
}

/** A record without a recipient key (an index on the field finds those: it holds them as null). */
const UNKEYED = { recipientKey: null } as unknown as Filter<DeliveryRecord>;

/** The promise, with its failure left to whoever awaits it rather than reported as an unhandled rejection. */
function quietly(work: Promise<void>): Promise<void> {
  work.catch(() => undefined);
  return work;
}

/** A hung batch write fails its batch instead of holding up every delivery of the process behind it. */
const BATCH_WRITE_TIMEOUT_MS = 10_000;

/**
 * The delivery log in MongoDB through mongoose. The unique `_id` (event, channel, recipient) is what makes a
 * redelivered event, a restarted service and a second instance find the delivery instead of sending it again.
 * The two writes every delivery makes, its first claim and its finish, are group-committed: claims and finishes made
 * while one is in flight go together in the next `insertMany` or `bulkWrite`.
 */
/** Each service keeps its own database (README, "Least privilege"): the delivery log is notifications'. */
export const NOTIFICATIONS_DB = 'notifications';

export class MongoDeliveryLog implements DeliveryLog {
  private readonly firstClaims = new WriteBatcher((records: ClaimedDelivery[]) => this.insertNew(records));
  private readonly finishes = new WriteBatcher((writes: FinishWrite[]) => this.writeFinished(writes));

  /** Records stored before recipient keys were (an earlier release), keyed in the background; an erasure waits. */
  private keyed: Promise<void> = Promise.resolve();

  private constructor(
    private readonly connection: Connection,
    private readonly deliveries: Model<DeliveryRecord>,
    private readonly recipientKeys?: RecipientKeys,
  ) {}

  /**
   * `recipientKeys`: records the key id of each recipient address (those stored before it was recorded get theirs).
   * `dbName`: the service's own database (`NOTIFICATIONS_DB`), whatever the URL names; without it, the URL's.
   */
  static async connect(
    url: string,
    recipientKeys?: RecipientKeys,
    dbName?: string,
  ): Promise<MongoDeliveryLog> {
    const connection = await mongoose
      .createConnection(url, { serverSelectionTimeoutMS: 5_000, ...(dbName ? { dbName } : {}) })
      .asPromise();
    const deliveries = connection.model<DeliveryRecord>('NotificationDelivery', deliverySchema);
    await deliveries.createIndexes();
    const log = new MongoDeliveryLog(connection, deliveries, recipientKeys);
    log.keyed = quietly(log.keyEarlierRecords());
    return log;
  }

  /** The keying of earlier records, done; tried again here if it failed (the vault or the store was unreachable). */
  private async earlierRecordsKeyed(): Promise<void> {
    try {
      await this.keyed;
    } catch {
      this.keyed = quietly(this.keyEarlierRecords());
      await this.keyed;
    }
  }

  /**
   * A page at a time, in `_id` order, through the index (`recipientKey: null` is the records without one): cheap once
   * done, so every start looks. A record whose message names no address is left as it is.
   */
  private async keyEarlierRecords(): Promise<void> {
    const keys = this.recipientKeys;
    if (!keys) return;
    for (let after = ''; ;) {
      const unkeyed = await this.driverCollection()
        .find({ ...UNKEYED, _id: { $gt: after } }, { projection: { _id: 1, message: 1 } })
        .sort({ _id: 1 })
        .limit(500)
        .toArray();
      if (unkeyed.length === 0) return;
      after = unkeyed.at(-1)!._id;
      const writes = [];
      for (const { _id, message } of unkeyed)
        if (typeof message?.to === 'string')
          writes.push({
            updateOne: {
              filter: { ...UNKEYED, _id },
              update: { $set: { recipientKey: await keys.of(message) } },
            },
          });
      if (writes.length > 0) await this.driverCollection().bulkWrite(writes, { ordered: false });
    }
  }

  async claim(message: OutgoingMessage, now: number, leaseMs: number): Promise<Claim> {
    const id = deliveryIdOf(message);
    const recipientKey = await this.recipientKeys?.of(message);
    const updatedAt = new Date(now).toISOString();
    const leaseToken = randomUUID();
    const fresh: ClaimedDelivery = {
      _id: id,
      status: 'pending',
      attempts: 0,
      message,
      ...(recipientKey === undefined ? {} : { recipientKey }),
      leaseUntil: now + leaseMs,
      leaseToken,
      updatedAt,
    };
    const inserted = await this.firstClaims.submit(fresh);
    if (inserted instanceof Error) throw inserted;
    if (inserted) return { kind: 'claimed', record: fresh };
    return (
      (await this.claimBegun(id, now, leaseMs, leaseToken)) ?? { kind: 'busy', leaseUntil: now + leaseMs }
    );
  }

  async claimBegun(
    id: string,
    now: number,
    leaseMs: number,
    leaseToken: string = randomUUID(),
  ): Promise<Claim | undefined> {
    const updatedAt = new Date(now).toISOString();
    const taken = await this.deliveries
      .findOneAndUpdate(
        { _id: id, status: 'pending', $or: [{ leaseUntil: { $lte: now } }, { leaseUntil: null }] },
        { $set: { leaseUntil: now + leaseMs, leaseToken, updatedAt } },
        { new: true },
      )
      .lean<DeliveryRecord>();
    if (taken) return { kind: 'claimed', record: { ...taken, leaseToken } };
    const current = await this.find(id);
    if (!current) return undefined;
    if (current.status !== 'pending') return { kind: 'settled', record: current };
    return { kind: 'busy', leaseUntil: current.leaseUntil ?? now + leaseMs };
  }

  /** One write: the claim carries the message, and the lease guard means the stored record is the claimed one. */
  async finish(
    claimed: ClaimedDelivery,
    outcome: AttemptOutcome,
    now: number,
  ): Promise<DeliveryRecord | undefined> {
    const record = finished(claimed, outcome, now);
    const unset: Record<string, 1> = { leaseUntil: 1 };
    if (outcome.lastError === undefined) unset.lastError = 1;
    if (outcome.providerId === undefined) unset.providerId = 1;
    const { _id: id, ...set } = record;
    return this.finishes.submit({
      // leaseUntil: an attempt that ended already writes nothing more (the read-back answers what it left)
      filter: { _id: id, status: 'pending', leaseToken: claimed.leaseToken, leaseUntil: { $exists: true } },
      update: { $set: set, $unset: unset },
      record,
    });
  }

  /** The driver's collection for the two hot writes: mongoose's document machinery costs more than the write. */
  private driverCollection(): Collection<DeliveryRecord> {
    return this.deliveries.collection as unknown as Collection<DeliveryRecord>;
  }

  /** Per record: true when inserted, false when a delivery with its id exists, the error when it failed otherwise. */
  private async insertNew(records: ClaimedDelivery[]): Promise<(boolean | Error)[]> {
    try {
      await this.driverCollection().insertMany(records, {
        ordered: false,
        timeoutMS: BATCH_WRITE_TIMEOUT_MS,
      });
      return records.map(() => true);
    } catch (error) {
      const writeErrors = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [];
      if (
        error instanceof MongoBulkWriteError &&
        error.insertedCount + writeErrors.length === records.length
      ) {
        const failed = new Map<number, boolean | Error>();
        for (const writeError of writeErrors)
          failed.set(
            writeError.index,
            writeError.code === DUPLICATE_KEY
              ? false
              : new Error(`delivery log insert failed with code ${writeError.code}`),
          );
        return records.map((_, index) => failed.get(index) ?? true);
      }
      // The round trip failed (a reset, a timeout): some records may be stored all the same. The store says which.
      return Promise.all(
        records.map(async (record) => {
          const stored = await this.find(record._id).catch(() => undefined);
          if (!stored) return error instanceof Error ? error : new Error(String(error));
          return stored.leaseToken === record.leaseToken;
        }),
      );
    }
  }

  /** Per write: the record it left, or undefined when the attempt no longer held the lease. */
  private async writeFinished(writes: FinishWrite[]): Promise<(DeliveryRecord | undefined)[]> {
    try {
      const result = await this.driverCollection().bulkWrite(
        writes.map(({ filter, update }) => ({ updateOne: { filter, update } })),
        { ordered: false, timeoutMS: BATCH_WRITE_TIMEOUT_MS },
      );
      if (result.matchedCount === writes.length) return writes.map(({ record }) => record);
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
    }
    // The bulk answer counts; it does not say which write missed, nor, after a failed round trip, which landed. A
    // record that still names the attempt and has no lease was ended by it, now or before (any claim since would have
    // set its own token and lease): the stored record is the answer, so a retry after a lost reply announces what the
    // first write left.
    return Promise.all(
      writes.map(async ({ record }) => {
        const stored = await this.find(record._id);
        const endedByIt = stored?.leaseToken === record.leaseToken && stored?.leaseUntil === undefined;
        return stored && endedByIt ? stored : undefined;
      }),
    );
  }

  async find(id: string): Promise<DeliveryRecord | undefined> {
    return (await this.deliveries.findById(id).lean<DeliveryRecord>()) ?? undefined;
  }

  async list(status: DeliveryStatus, limit: number): Promise<DeliveryRecord[]> {
    return this.deliveries.find({ status }).sort({ updatedAt: 1 }).limit(limit).lean<DeliveryRecord[]>();
  }

  async revive(id: string, now: number): Promise<boolean> {
    const result = await this.deliveries.updateOne(
      { _id: id, status: 'dead' },
      { $set: { status: 'pending', attempts: 0, updatedAt: new Date(now).toISOString() } },
    );
    return result.modifiedCount > 0;
  }

  async forget(keys: readonly string[]): Promise<number> {
    await this.earlierRecordsKeyed();
    if (keys.length === 0) return 0;
    const result = await this.deliveries.deleteMany({
      $or: [{ recipientKey: { $in: keys } }, { 'message.about.userId': { $in: keys } }],
    });
    return result.deletedCount;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
