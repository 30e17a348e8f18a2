import { type Connection } from 'mongoose';
import { type Collection } from 'mongodb';
import { MongoClaimLedger, isDuplicateKey } from '../shared/mongo';
import { sha256Hex } from '../shared/secrets';
import { holdsPending, type TwoFactorRecord, type TwoFactorStore } from './two-factor.store';

const DAY = 24 * 3600_000;

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
    // FerretDB v1 applies a conditional replace as a read, then a write: two at once would both match. So a pending
    // enrollment is given up once, to whoever claims it first (the ledger's unique insert), confirm or restart.
    const held = await this.records.findOne(
      { _id: userId },
      { projection: { sealedSecret: 1, confirmedAt: 1 } },
    );
    if (!holdsPending(held, pending)) return false;
    const now = Date.now();
    if (
      !(await this.uses.claim(`${userId}:settles:${sha256Hex(pending)}`, new Date(now), new Date(now + DAY)))
    )
      return false;
    const replaced = await this.records.replaceOne({ _id: userId, sealedSecret: pending }, doc);
    return replaced.matchedCount === 1;
  }

  async delete(userId: string): Promise<void> {
    await this.records.deleteOne({ _id: userId });
  }
}
