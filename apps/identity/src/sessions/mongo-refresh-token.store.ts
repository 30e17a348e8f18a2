import { type Connection } from 'mongoose';
import { type Collection, type Document } from 'mongodb';
import { MongoClaimLedger, ensureIndex, isDuplicateKey } from '../shared/mongo';
import {
  type LiveSession,
  type RefreshFamily,
  type RefreshRotation,
  type RefreshTokenRecord,
  type RefreshTokenStore,
  type SessionActivity,
} from './refresh-token.store';

type TokenDoc = Omit<RefreshTokenRecord, 'tokenHash'> & { _id: string };
type FamilyDoc = Omit<RefreshFamily, 'familyId'> & { _id: string };
type RotationDoc = Omit<RefreshRotation, 'fromHash'> & { _id: string };
type ActivityDoc = Omit<SessionActivity, 'familyId'> & { _id: string };

/**
 * Collections `refresh_tokens`, `refresh_token_uses`, `refresh_families`, `refresh_rotations` and `refresh_activity`
 * in the identity service's own database.
 */
export class MongoRefreshTokenStore implements RefreshTokenStore {
  readonly uses: MongoClaimLedger;
  private readonly tokens: Collection<TokenDoc>;
  private readonly families: Collection<FamilyDoc>;
  private readonly rotations: Collection<RotationDoc>;
  private readonly activity: Collection<ActivityDoc>;

  constructor(connection: Connection) {
    this.uses = new MongoClaimLedger(connection, 'refresh_token_uses');
    this.tokens = connection.collection<TokenDoc>('refresh_tokens');
    this.families = connection.collection<FamilyDoc>('refresh_families');
    this.rotations = connection.collection<RotationDoc>('refresh_rotations');
    this.activity = connection.collection<ActivityDoc>('refresh_activity');
  }

  async ensureIndexes(): Promise<void> {
    await this.uses.ensureIndexes();
    await ensureIndex(
      this.tokens as unknown as Collection<Document>,
      { expiresAt: 1 },
      { expireAfterSeconds: 0 },
    );
    await ensureIndex(this.families as unknown as Collection<Document>, { userId: 1 });
    await ensureIndex(
      this.rotations as unknown as Collection<Document>,
      { expiresAt: 1 },
      { expireAfterSeconds: 0 },
    );
    await ensureIndex(
      this.activity as unknown as Collection<Document>,
      { expiresAt: 1 },
      { expireAfterSeconds: 0 },
    );
    await ensureIndex(this.activity as unknown as Collection<Document>, { userId: 1 });
  }

  async recordRotation({ fromHash, ...rest }: RefreshRotation): Promise<boolean> {
    try {
      await this.rotations.insertOne({ _id: fromHash, ...rest });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async findRotation(fromHash: string): Promise<RefreshRotation | null> {
    const doc = await this.rotations.findOne({ _id: fromHash });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { fromHash: _id, ...rest };
  }

  async createFamily({ familyId, ...rest }: RefreshFamily): Promise<void> {
    await this.families.insertOne({ _id: familyId, ...rest });
  }

  async getFamily(familyId: string): Promise<RefreshFamily | null> {
    const doc = await this.families.findOne({ _id: familyId });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { familyId: _id, ...rest };
  }

  async insertToken({ tokenHash, ...rest }: RefreshTokenRecord): Promise<void> {
    await this.tokens.insertOne({ _id: tokenHash, ...rest });
  }

  async findToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const doc = await this.tokens.findOne({ _id: tokenHash });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { tokenHash: _id, ...rest };
  }

  async revokeFamily(familyId: string, at: Date): Promise<void> {
    await this.families.updateOne(
      { _id: familyId, revokedAt: { $exists: false } },
      { $set: { revokedAt: at } },
    );
  }

  async noteActivity({ familyId, ...rest }: SessionActivity): Promise<void> {
    await this.activity.replaceOne({ _id: familyId }, rest, { upsert: true });
  }

  async liveSessionsOf(userId: string, now: Date): Promise<LiveSession[]> {
    const notes = await this.activity.find({ userId, expiresAt: { $gt: now } }).toArray();
    if (notes.length === 0) return [];
    const families = await this.families
      .find({ _id: { $in: notes.map((note) => note._id) }, revokedAt: { $exists: false } })
      .toArray();
    const noteOf = new Map(notes.map((note) => [note._id, note]));
    return families.map(({ _id, ...family }) => {
      const { lastUsedAt, expiresAt } = noteOf.get(_id)!;
      return { familyId: _id, ...family, lastUsedAt, expiresAt };
    });
  }

  async forgetActivityOf(userId: string): Promise<void> {
    await this.activity.deleteMany({ userId });
  }

  async revokeAllForUser(userId: string, at: Date, openedBefore?: Date): Promise<void> {
    await this.families.updateMany(
      {
        userId,
        revokedAt: { $exists: false },
        ...(openedBefore ? { createdAt: { $lt: openedBefore } } : {}),
      },
      { $set: { revokedAt: at } },
    );
  }
}
