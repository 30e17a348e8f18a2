import { type Connection } from 'mongoose';
import { ObjectId, type Collection, type Document } from 'mongodb';
import { ensureIndex, isDuplicateKey } from '../shared/mongo';
import { type ThrottleStore } from './throttle.store';

type AttemptDoc = { _id: ObjectId; key: string; at: Date; expiresAt: Date };
type LockDoc = { _id: string; until: Date };

/** Collections `login_attempts` (one document per attempt, TTL-expired) and `login_locks`. */
export class MongoThrottleStore implements ThrottleStore {
  private readonly attempts: Collection<AttemptDoc>;
  private readonly locks: Collection<LockDoc>;

  constructor(connection: Connection) {
    this.attempts = connection.collection<AttemptDoc>('login_attempts');
    this.locks = connection.collection<LockDoc>('login_locks');
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndex(this.attempts as unknown as Collection<Document>, { key: 1, at: 1 });
    await ensureIndex(
      this.attempts as unknown as Collection<Document>,
      { expiresAt: 1 },
      { expireAfterSeconds: 0 },
    );
  }

  async recordAttempt(
    key: string,
    at: Date,
    windowMs: number,
  ): Promise<{ attemptId: string; count: number }> {
    const _id = new ObjectId();
    await this.attempts.insertOne({ _id, key, at, expiresAt: new Date(at.getTime() + windowMs) });
    const count = await this.attempts.countDocuments({ key, at: { $gt: new Date(at.getTime() - windowMs) } });
    return { attemptId: _id.toHexString(), count };
  }

  async removeAttempt(key: string, attemptId: string): Promise<void> {
    await this.attempts.deleteOne({ _id: new ObjectId(attemptId), key });
  }

  async clear(key: string): Promise<void> {
    await this.attempts.deleteMany({ key });
  }

  async lock(key: string, until: Date): Promise<void> {
    const upsert = () => this.locks.updateOne({ _id: key }, { $max: { until } }, { upsert: true });
    try {
      await upsert();
    } catch (error) {
      // Two racing upserts both try the insert; the loser finds the document there now and updates it.
      if (!isDuplicateKey(error)) throw error;
      await upsert();
    }
  }

  async unlock(key: string): Promise<void> {
    await this.locks.deleteOne({ _id: key });
  }

  async lockedUntil(key: string, at: Date): Promise<Date | undefined> {
    const doc = await this.locks.findOne({ _id: key, until: { $gt: at } });
    return doc?.until;
  }
}
