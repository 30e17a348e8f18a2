import { type Connection } from 'mongoose';
import { MongoServerError, type Collection, type Document } from 'mongodb';
import { type ClaimLedger, type NamedClaim } from './claim-ledger';

const DUPLICATE_KEY = 11000;

export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** Creates an index, tolerating servers that do not support an option (FerretDB v1 has no TTL monitor). */
export async function ensureIndex(
  collection: Collection<Document>,
  keys: Record<string, 1 | -1>,
  options: { expireAfterSeconds?: number; unique?: boolean } = {},
): Promise<void> {
  try {
    await collection.createIndex(keys, options);
  } catch (error) {
    if (options.expireAfterSeconds === undefined) throw error;
    await collection.createIndex(keys);
  }
}

type ClaimDoc = { _id: string; at: Date; expiresAt?: Date; claimant?: string };

export class MongoClaimLedger implements ClaimLedger {
  private readonly collection: Collection<ClaimDoc>;

  constructor(connection: Connection, collectionName: string) {
    this.collection = connection.collection<ClaimDoc>(collectionName);
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndex(
      this.collection as unknown as Collection<Document>,
      { expiresAt: 1 },
      { expireAfterSeconds: 0 },
    );
  }

  async claim(key: string, at: Date, expiresAt?: Date, claimant?: string): Promise<boolean> {
    try {
      await this.collection.insertOne({
        _id: key,
        at,
        ...(expiresAt ? { expiresAt } : {}),
        ...(claimant ? { claimant } : {}),
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async isClaimed(key: string): Promise<boolean> {
    return (await this.collection.findOne({ _id: key }, { projection: { _id: 1 } })) !== null;
  }

  async claimOf(key: string): Promise<NamedClaim | undefined> {
    const found = await this.collection.findOne({ _id: key });
    return found?.claimant ? { claimant: found.claimant, at: found.at } : undefined;
  }
}
