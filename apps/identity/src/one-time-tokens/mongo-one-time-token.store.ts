import { type Connection } from 'mongoose';
import { type Collection, type Document } from 'mongodb';
import { MongoClaimLedger, ensureIndex } from '../shared/mongo';
import {
  orderAfter,
  type IssuedLinkRecord,
  type OneTimeTokenPurpose,
  type OneTimeTokenRecord,
  type OneTimeTokenStore,
} from './one-time-token.store';

type TokenDoc = Omit<OneTimeTokenRecord, 'tokenHash'> & { _id: string };

/** Collections `one_time_tokens` and `one_time_token_redemptions`, both TTL-expired. */
export class MongoOneTimeTokenStore implements OneTimeTokenStore {
  readonly redemptions: MongoClaimLedger;
  private readonly tokens: Collection<TokenDoc>;

  constructor(connection: Connection) {
    this.redemptions = new MongoClaimLedger(connection, 'one_time_token_redemptions');
    this.tokens = connection.collection<TokenDoc>('one_time_tokens');
  }

  async ensureIndexes(): Promise<void> {
    await this.redemptions.ensureIndexes();
    await ensureIndex(
      this.tokens as unknown as Collection<Document>,
      { expiresAt: 1 },
      { expireAfterSeconds: 0 },
    );
    await ensureIndex(this.tokens as unknown as Collection<Document>, { userId: 1, purpose: 1 });
  }

  async insert({ tokenHash, ...rest }: OneTimeTokenRecord): Promise<void> {
    await this.tokens.insertOne({ _id: tokenHash, ...rest });
  }

  /**
   * Not atomic, so each issuer, once its link is in, drops the links before it and then gives way to any link after it:
   * for any two, either the later one's sweep comes after the earlier one's insert, or the earlier one's check sees the
   * later one.
   */
  async replace({ tokenHash, ...asked }: IssuedLinkRecord): Promise<void> {
    const { userId, purpose } = asked;
    // Issued after the newest link there, whatever this instance's clock says: a later request's link is the one left.
    // A used link's copy (kept to answer its repeat, put back by `redeem` with its old order) orders and replaces
    // nothing; the sweep drops it.
    const newest = await this.tokens.findOne(
      { userId, purpose, redeemedBy: { $exists: false } },
      { sort: { issueOrder: -1 }, projection: { issueOrder: 1 } },
    );
    const issueOrder = orderAfter(newest?.issueOrder, asked.issueOrder);
    await this.tokens.insertOne({ _id: tokenHash, ...asked, issueOrder });
    await this.tokens.deleteMany({
      userId,
      purpose,
      _id: { $ne: tokenHash },
      // Used copies go whatever their order: a late repeat of their use would otherwise be answered as that use.
      $or: [
        { issueOrder: { $exists: false } },
        { issueOrder: { $lt: issueOrder } },
        { redeemedBy: { $exists: true } },
      ],
    });
    const later = await this.tokens.findOne(
      { userId, purpose, issueOrder: { $gt: issueOrder }, redeemedBy: { $exists: false } },
      { projection: { _id: 1 } },
    );
    if (later) await this.tokens.deleteOne({ _id: tokenHash });
  }

  async find(tokenHash: string): Promise<OneTimeTokenRecord | null> {
    const doc = await this.tokens.findOne({ _id: tokenHash });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { tokenHash: _id, ...rest };
  }

  async findOutstanding(userId: string, purpose: OneTimeTokenPurpose): Promise<OneTimeTokenRecord | null> {
    const doc = await this.tokens.findOne(
      { userId, purpose, redeemedBy: { $exists: false } },
      { sort: { issueOrder: -1 } },
    );
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { tokenHash: _id, ...rest };
  }

  async deleteFor(
    userId: string,
    purpose: OneTimeTokenPurpose,
    options: { keepRedeemed?: boolean } = {},
  ): Promise<void> {
    await this.tokens.deleteMany({
      userId,
      purpose,
      ...(options.keepRedeemed ? { redeemedBy: { $exists: false } } : {}),
    });
  }

  async deleteAllFor(userId: string): Promise<void> {
    await this.tokens.deleteMany({ userId });
  }
}
