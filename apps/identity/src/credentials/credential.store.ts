import { type Connection } from 'mongoose';
import { type Collection } from 'mongodb';

/** Password hashes live only here (the service's own collection), never in events. */
export interface CredentialStore {
  getHash(userId: string): Promise<string | null>;
  /**
   * `changedBy`: the password change (its command id) that sets this hash, so that a retry of it can finish what a
   * first attempt that stopped after this write began (see `PasswordManagement.change`).
   */
  setHash(userId: string, hash: string, at: Date, changedBy?: string): Promise<void>;
  /** The password change that set the hash in force, if one did (not a registration or a sign-in's rehash). */
  changedBy(userId: string): Promise<string | undefined>;
  /**
   * A sign-in's new hash of the same password (stronger parameters), stored only if the hash is still `expected`:
   * a password changed meanwhile stays changed. Whether it was stored.
   */
  rehash(userId: string, expected: string, hash: string, at: Date): Promise<boolean>;
  delete(userId: string): Promise<void>;
}

/** A stored hash, and the password change that set it. */
export interface StoredCredential {
  readonly hash: string;
  readonly changedBy?: string;
}

export class InMemoryCredentialStore implements CredentialStore {
  private readonly hashes = new Map<string, StoredCredential>();

  getHash(userId: string): Promise<string | null> {
    return Promise.resolve(this.hashes.get(userId)?.hash ?? null);
  }

  setHash(userId: string, hash: string, _at?: Date, changedBy?: string): Promise<void> {
    this.hashes.set(userId, changedBy === undefined ? { hash } : { hash, changedBy });
    return Promise.resolve();
  }

  changedBy(userId: string): Promise<string | undefined> {
    return Promise.resolve(this.hashes.get(userId)?.changedBy);
  }

  rehash(userId: string, expected: string, hash: string, _at?: Date): Promise<boolean> {
    const stored = this.hashes.get(userId);
    if (stored?.hash !== expected) return Promise.resolve(false);
    this.hashes.set(userId, { ...stored, hash });
    return Promise.resolve(true);
  }

  delete(userId: string): Promise<void> {
    this.hashes.delete(userId);
    return Promise.resolve();
  }
}

type Doc = { _id: string; hash: string; updatedAt: Date; changedBy?: string };

/** Collection `credentials`. */
export class MongoCredentialStore implements CredentialStore {
  private readonly collection: Collection<Doc>;

  constructor(connection: Connection) {
    this.collection = connection.collection<Doc>('credentials');
  }

  async getHash(userId: string): Promise<string | null> {
    return (await this.collection.findOne({ _id: userId }))?.hash ?? null;
  }

  async setHash(userId: string, hash: string, at: Date, changedBy?: string): Promise<void> {
    await this.collection.replaceOne(
      { _id: userId },
      { hash, updatedAt: at, ...(changedBy === undefined ? {} : { changedBy }) },
      { upsert: true },
    );
  }

  async changedBy(userId: string): Promise<string | undefined> {
    return (await this.collection.findOne({ _id: userId }))?.changedBy;
  }

  async rehash(userId: string, expected: string, hash: string, at: Date): Promise<boolean> {
    const updated = await this.collection.updateOne(
      { _id: userId, hash: expected },
      { $set: { hash, updatedAt: at } },
    );
    return updated.modifiedCount === 1;
  }

  async delete(userId: string): Promise<void> {
    await this.collection.deleteOne({ _id: userId });
  }
}
