import { type Connection } from 'mongoose';
import { type Collection } from 'mongodb';
import { MongoClaimLedger, isDuplicateKey } from '../shared/mongo';
import { KeyedQueue } from '@app/event-store';
import { type TwoFactorRecord, type TwoFactorStore } from './two-factor.store';

type Doc = Omit<TwoFactorRecord, 'userId' | 'recoveryCodeHashes'> & {
  _id: string;
  recoveryCodeHashes: string[];
};

/** Collections `two_factor` (sealed secrets, hashed recovery codes) and `two_factor_uses`. */
export class MongoTwoFactorStore implements TwoFactorStore {
  readonly uses: MongoClaimLedger;
  private readonly records: Collection<Doc>;
  private readonly writes = new KeyedQueue();

  constructor(connection: Connection) {
    this.uses = new MongoClaimLedger(connection, 'two_factor_uses');
    this.records = connection.collection<Doc>('two_factor');
  }

  async ensureIndexes(): Promise<void> {
    await this.uses.ensureIndexes();
  }

  async get(userId: string): Promise<TwoFactorRecord | null> {
    const doc = await this.records.findOne({ _id: userId });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { userId: _id, ...rest };
  }

  async replacePending(
    { userId, recoveryCodeHashes, ...rest }: TwoFactorRecord,
    pending: string | null,
  ): Promise<boolean> {
    const doc = { ...rest, recoveryCodeHashes: [...recoveryCodeHashes] };
    if (pending === null)
      return this.records.insertOne({ _id: userId, ...doc }).then(
        () => true,
        (error: unknown) => {
          if (isDuplicateKey(error)) return false;
          throw error;
        },
      );
    // MongoDB applies the conditional replace atomically; FerretDB v1 reads, then writes, so two at once would both
    // match. Serialised per user in this process, it is exact there too (across processes only MongoDB is).
    const replaced = await this.writes.run(userId, () =>
      this.records.replaceOne({ _id: userId, sealedSecret: pending, confirmedAt: { $exists: false } }, doc),
    );
    return replaced.matchedCount === 1;
  }

  async replaceRecoveryCodes(
    userId: string,
    sealedSecret: string,
    previous: readonly string[],
    hashes: readonly string[],
  ): Promise<boolean> {
    // Serialised per user as replacePending is: FerretDB v1 reads, then writes. Across identity replicas a user's
    // commands are one Kafka key, handled by one consumer at a time; only a rebalance mid-request could let two in.
    const replaced = await this.writes.run(userId, () =>
      this.records.updateOne(
        { _id: userId, sealedSecret, confirmedAt: { $exists: true }, recoveryCodeHashes: [...previous] },
        { $set: { recoveryCodeHashes: [...hashes] } },
      ),
    );
    return replaced.matchedCount === 1;
  }

  async delete(userId: string): Promise<void> {
    await this.records.deleteOne({ _id: userId });
  }
}
