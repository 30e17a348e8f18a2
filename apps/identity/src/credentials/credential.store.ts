import { type Connection } from 'mongoose';
import { type Collection } from 'mongodb';

/** Password hashes live only here (the service's own collection), never in events. */
export interface CredentialStore {
  getHash(userId: string): Promise<string | null>;
  setHash(userId: string, hash: string, at: Date): Promise<void>;
  delete(userId: string): Promise<void>;
}

export class InMemoryCredentialStore implements CredentialStore {
  private readonly hashes = new Map<string, string>();

  getHash(userId: string): Promise<string | null> {
    return Promise.resolve(this.hashes.get(userId) ?? null);
  }

  setHash(userId: string, hash: string, _at?: Date): Promise<void> {
    this.hashes.set(userId, hash);
    return Promise.resolve();
  }

  delete(userId: string): Promise<void> {
    this.hashes.delete(userId);
    return Promise.resolve();
  }
}

type Doc = { _id: string; hash: string; updatedAt: Date };

/** Collection `credentials`. */
export class MongoCredentialStore implements CredentialStore {
  private readonly collection: Collection<Doc>;

  constructor(connection: Connection) {
    this.collection = connection.collection<Doc>('credentials');
  }

  async getHash(userId: string): Promise<string | null> {
    return (await this.collection.findOne({ _id: userId }))?.hash ?? null;
  }

  async setHash(userId: string, hash: string, at: Date): Promise<void> {
    await this.collection.replaceOne({ _id: userId }, { hash, updatedAt: at }, { upsert: true });
  }

  async delete(userId: string): Promise<void> {
    await this.collection.deleteOne({ _id: userId });
  }
}
