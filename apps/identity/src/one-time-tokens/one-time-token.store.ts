import { InMemoryClaimLedger, type ClaimLedger, type KeyValueMap } from '../shared/claim-ledger';

export type OneTimeTokenPurpose =
  'email-verification' | 'email-change' | 'password-reset' | 'two-factor-challenge';

export interface OneTimeTokenRecord {
  /** sha256 of the token. */
  readonly tokenHash: string;
  readonly purpose: OneTimeTokenPurpose;
  readonly userId: string;
  /** What the token vouches for, e.g. the address a verification link was sent to (R18). */
  readonly subject?: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /**
   * Set once the token was redeemed, by the command that did: kept (until it expires, or a newer link replaces it) so
   * that a repeat of that very request is answered as the first was.
   */
  readonly redeemedBy?: string;
  /** The command that asked for the link, where a repeat of it must be told from another request. */
  readonly issuedBy?: string;
  /** An address change's link: the address the account had when it asked (the one the move leaves). */
  readonly replaces?: string;
  /**
   * An address change's link: when the account's sessions last ended as it asked (`''` if never). A lock, a password
   * change or reset, or two-factor turned on or off since then ends them again, and voids the link.
   */
  readonly accountEpoch?: string;
  /**
   * Sorts links in the order they were issued (time, then this process's count, then a random tail for links of one
   * millisecond from two processes): where issuing is not atomic, the last one stays. Absent on links issued before it
   * was recorded, which sort first.
   */
  readonly issueOrder?: string;
}

/**
 * `own` (an `issueOrder`), or, where `newest` was issued at a later millisecond (another instance's clock ahead of this
 * one's), the same one a millisecond after it. Links of the same millisecond keep their order (this process's count).
 */
export function orderAfter(newest: string | undefined, own: string): string {
  const timeOf = (order: string) => Number.parseInt(order.slice(0, order.indexOf('.')), 36);
  if (newest === undefined || timeOf(newest) <= timeOf(own)) return own;
  const later = (timeOf(newest) + 1).toString(36).padStart(own.indexOf('.'), '0');
  return `${later}${own.slice(own.indexOf('.'))}`;
}

/** A link as it is issued: in order. */
export type IssuedLinkRecord = OneTimeTokenRecord & { readonly issueOrder: string };

export interface OneTimeTokenStore {
  /** Redemptions: exactly one concurrent caller per token gets true. */
  readonly redemptions: ClaimLedger;
  insert(record: OneTimeTokenRecord): Promise<void>;
  /**
   * Inserts a newly issued link and drops the user's other links of its purpose, used or not. Of links issued at once
   * one is left (the last by `issueOrder`), so a link replaced by a racing one never works.
   */
  replace(record: IssuedLinkRecord): Promise<void>;
  find(tokenHash: string): Promise<OneTimeTokenRecord | null>;
  /** The user's link of this purpose not used yet (a newer one replaces older ones, so there is at most one). */
  findOutstanding(userId: string, purpose: OneTimeTokenPurpose): Promise<OneTimeTokenRecord | null>;
  /**
   * Drops the user's tokens of one purpose (a newer link replaces older ones); with `keepRedeemed`, only those still
   * outstanding.
   */
  deleteFor(
    userId: string,
    purpose: OneTimeTokenPurpose,
    options?: { keepRedeemed?: boolean },
  ): Promise<void>;
  /** Every token of the user, of every purpose, leaving no copy behind (a deleted account's). */
  deleteAllFor(userId: string): Promise<void>;
}

/** In one process (its maps may be kept under the data dir, see data-dir-stores). */
export class InMemoryOneTimeTokenStore implements OneTimeTokenStore {
  constructor(
    private readonly records: KeyValueMap<OneTimeTokenRecord> = new Map(),
    readonly redemptions: ClaimLedger = new InMemoryClaimLedger(),
  ) {}

  insert(record: OneTimeTokenRecord): Promise<void> {
    this.records.set(record.tokenHash, record);
    return Promise.resolve();
  }

  /** At once, with nothing in between: the last call is the one left. */
  replace(record: IssuedLinkRecord): Promise<void> {
    for (const [hash, other] of [...this.records])
      if (other.userId === record.userId && other.purpose === record.purpose) this.records.delete(hash);
    this.records.set(record.tokenHash, record);
    return Promise.resolve();
  }

  find(tokenHash: string): Promise<OneTimeTokenRecord | null> {
    return Promise.resolve(this.records.get(tokenHash) ?? null);
  }

  findOutstanding(userId: string, purpose: OneTimeTokenPurpose): Promise<OneTimeTokenRecord | null> {
    for (const record of this.records.values())
      if (record.userId === userId && record.purpose === purpose && record.redeemedBy === undefined)
        return Promise.resolve(record);
    return Promise.resolve(null);
  }

  deleteFor(
    userId: string,
    purpose: OneTimeTokenPurpose,
    options: { keepRedeemed?: boolean } = {},
  ): Promise<void> {
    for (const [hash, record] of [...this.records])
      if (
        record.userId === userId &&
        record.purpose === purpose &&
        !(options.keepRedeemed && record.redeemedBy !== undefined)
      )
        this.records.delete(hash);
    return Promise.resolve();
  }

  deleteAllFor(userId: string): Promise<void> {
    for (const [hash, record] of [...this.records]) if (record.userId === userId) this.records.delete(hash);
    this.records.forgetDeleted?.();
    return Promise.resolve();
  }
}
