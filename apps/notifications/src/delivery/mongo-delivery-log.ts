import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { MongoServerError } from 'mongodb';
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
import { type OutgoingMessage } from './outgoing-message';

const DUPLICATE_KEY = 11000;

const deliverySchema = new Schema<DeliveryRecord>(
  {
    _id: { type: String, required: true },
    status: { type: String, required: true, enum: ['pending', 'sent', 'failed', 'dead'] },
    attempts: { type: Number, required: true },
    lastError: String,
    providerId: String,
    message: { type: Schema.Types.Mixed, required: true },
    leaseUntil: Number,
    leaseToken: String,
    updatedAt: { type: String, required: true },
  },
  { collection: 'notification_deliveries', versionKey: false, strict: true },
);
// Operators list what is dead (or failed) by status, oldest first.
deliverySchema.index({ status: 1, updatedAt: 1 });

/**
 * The delivery log in MongoDB through mongoose. The unique `_id` (event, channel, recipient) is what makes a
 * redelivered event, a restarted service and a second instance find the delivery instead of sending it again.
 */
export class MongoDeliveryLog implements DeliveryLog {
  private constructor(
    private readonly connection: Connection,
    private readonly deliveries: Model<DeliveryRecord>,
  ) {}

  static async connect(url: string): Promise<MongoDeliveryLog> {
    const connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5_000 }).asPromise();
    const deliveries = connection.model<DeliveryRecord>('NotificationDelivery', deliverySchema);
    await deliveries.createIndexes();
    return new MongoDeliveryLog(connection, deliveries);
  }

  async claim(message: OutgoingMessage, now: number, leaseMs: number): Promise<Claim> {
    const id = deliveryIdOf(message);
    const updatedAt = new Date(now).toISOString();
    const leaseToken = randomUUID();
    try {
      const created = await this.deliveries.create({
        _id: id,
        status: 'pending',
        attempts: 0,
        message,
        leaseUntil: now + leaseMs,
        leaseToken,
        updatedAt,
      });
      return { kind: 'claimed', record: { ...created.toObject(), leaseToken } };
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
    const taken = await this.deliveries
      .findOneAndUpdate(
        { _id: id, status: 'pending', $or: [{ leaseUntil: { $lte: now } }, { leaseUntil: null }] },
        { $set: { leaseUntil: now + leaseMs, leaseToken, updatedAt } },
        { new: true },
      )
      .lean<DeliveryRecord>();
    if (taken) return { kind: 'claimed', record: { ...taken, leaseToken } };
    const current = await this.find(id);
    if (current && current.status !== 'pending') return { kind: 'settled', record: current };
    return { kind: 'busy', leaseUntil: current?.leaseUntil ?? now + leaseMs };
  }

  /** One write: the claim carries the message, and the lease guard means the stored record is the claimed one. */
  async finish(
    claimed: ClaimedDelivery,
    outcome: AttemptOutcome,
    now: number,
  ): Promise<DeliveryRecord | undefined> {
    const record = finished(claimed, outcome, now);
    const unset: Record<string, 1> = { leaseUntil: 1, leaseToken: 1 };
    if (outcome.lastError === undefined) unset.lastError = 1;
    if (outcome.providerId === undefined) unset.providerId = 1;
    const { _id: id, ...set } = record;
    const result = await this.deliveries.updateOne(
      { _id: id, status: 'pending', leaseToken: claimed.leaseToken },
      { $set: set, $unset: unset },
    );
    return result.modifiedCount > 0 ? record : undefined;
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

  async close(): Promise<void> {
    await this.connection.close();
  }
}
