import { type Connection } from 'mongoose';
import { type Collection } from 'mongodb';
import { MongoClaimLedger } from '../shared/mongo';
import { type TwoFactorRecord, type TwoFactorStore } from './two-factor.store';

type Doc = Omit<TwoFactorRecord, 'userId' | 'recoveryCodeHashes'> & {
  _id: string;
  recoveryCodeHashes: string[];
};

/** Collections `two_factor` (sealed secrets, hashed recovery codes) and `two_factor_uses`. */
export class MongoTwoFactorStore implements TwoFactorStore {
  readonly uses: MongoClaimLedger;
  private readonly records: Collection<Doc>;

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

  async put({ userId, recoveryCodeHashes, ...rest }: TwoFactorRecord): Promise<void> {
    await this.records.replaceOne(
      { _id: userId },
      { ...rest, recoveryCodeHashes: [...recoveryCodeHashes] },
      { upsert: true },
    );
  }

  async delete(userId: string): Promise<void> {
    await this.records.deleteOne({ _id: userId });
  }
}
