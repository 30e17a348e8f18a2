import { randomBytes } from 'node:crypto';
import { Binary, MongoServerError, type Collection } from 'mongodb';
import { type PersonalDataKeyStore } from './key-store';
import { KeyWrapping, checkedSubject } from './key-wrapping';

interface KeyDoc {
  _id: string;
  wrapped?: Binary;
  erased?: true;
}

const DUPLICATE_KEY = 11000;

/**
 * Per-person keys in a MongoDB collection, one document per subject, each key wrapped with the master key: shared by
 * every replica. Erasing removes the key from the document and marks it erased, so no key is made again; a key
 * inserted in a race with the erasure loses to the marker. The database frees the bytes in its own time (compaction);
 * until then they are wrapped, and useless without the master key.
 */
export class MongoPersonalDataKeyStore implements PersonalDataKeyStore {
  private readonly wrapping: KeyWrapping;

  constructor(
    private readonly keys: Collection<KeyDoc>,
    masterKey: Buffer,
  ) {
    this.wrapping = new KeyWrapping(masterKey);
  }

  async keyFor(subject: string): Promise<Buffer | null> {
    const found = await this.keys.findOne({ _id: checkedSubject(subject) });
    if (found) return this.keyOf(found);
    const key = randomBytes(32);
    try {
      await this.keys.insertOne({ _id: subject, wrapped: new Binary(this.wrapping.wrap(subject, key)) });
      return key;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return this.existingKey(subject); // another writer's key, or the erasure's marker, came first
    }
  }

  async existingKey(subject: string): Promise<Buffer | null> {
    const found = await this.keys.findOne({ _id: checkedSubject(subject) });
    return found ? this.keyOf(found) : null;
  }

  async erase(subject: string): Promise<void> {
    for (;;) {
      try {
        await this.keys.updateOne(
          { _id: checkedSubject(subject) },
          { $set: { erased: true }, $unset: { wrapped: '' } },
          { upsert: true },
        );
        return;
      } catch (error) {
        // A key inserted between the upsert's lookup and its insert: the document is there now, so the next try
        // updates it (FerretDB, and MongoDB under contention, do not retry an upsert by themselves).
        if (!isDuplicateKey(error)) throw error;
      }
    }
  }

  async isErased(subject: string): Promise<boolean> {
    return (await this.keys.findOne({ _id: checkedSubject(subject) }))?.erased === true;
  }

  private keyOf(doc: KeyDoc): Buffer | null {
    if (doc.erased || !doc.wrapped) return null;
    return this.wrapping.unwrap(doc._id, Buffer.from(doc.wrapped.buffer));
  }
}

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}
