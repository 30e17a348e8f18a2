import { DomainError } from '@app/domain';
import { randomToken, sha256Hex } from '../shared/secrets';
import {
  type OneTimeTokenPurpose,
  type OneTimeTokenRecord,
  type OneTimeTokenStore,
} from './one-time-token.store';

export const DEFAULT_LIFETIMES_MS: Readonly<Record<OneTimeTokenPurpose, number>> = {
  'email-verification': 24 * 3600_000,
  // Proves a new address an account asked to move to; the account keeps its address until then.
  'email-change': 24 * 3600_000,
  'password-reset': 30 * 60_000,
  // Between a correct password and the TOTP code at login.
  'two-factor-challenge': 5 * 60_000,
};

export interface IssuedOneTimeToken {
  /** Goes into the link that is sent; only its hash is stored. */
  readonly token: string;
  readonly expiresAt: Date;
}

export interface RedeemedOneTimeToken {
  readonly purpose: OneTimeTokenPurpose;
  readonly userId: string;
  readonly subject?: string;
  /** See OneTimeTokenRecord. */
  readonly replaces?: string;
  readonly accountEpoch?: string;
  /** The same request (`commandId`) redeemed it before: answer as the first time, without doing it again. */
  readonly repeated?: true;
}

/** How long a deleted account is remembered as such: far longer than issuing a link takes. */
const FORGOTTEN_KEPT_MS = 24 * 3600_000;
const forgotten = (userId: string) => `forgotten:${userId}`;

let issuedHere = 0;

/** See `OneTimeTokenRecord.issueOrder`: fixed-width parts, so that comparing the strings compares the order. */
function issueOrder(createdAt: Date): string {
  issuedHere += 1;
  const part = (n: number, width: number) => n.toString(36).padStart(width, '0');
  return `${part(createdAt.getTime(), 10)}.${part(issuedHere, 10)}.${randomToken().slice(0, 8)}`;
}

/**
 * Single-use expiring links: e-mail verification (R18), an address change, and password reset (R17). The newest link of a purpose
 * replaces older ones, and a redemption succeeds once however many race.
 */
export class OneTimeTokens {
  private readonly lifetimes: Readonly<Record<OneTimeTokenPurpose, number>>;
  private readonly now: () => number;

  constructor(
    private readonly store: OneTimeTokenStore,
    options: { lifetimesMs?: Partial<Record<OneTimeTokenPurpose, number>>; now?: () => number } = {},
  ) {
    this.lifetimes = { ...DEFAULT_LIFETIMES_MS, ...options.lifetimesMs };
    this.now = options.now ?? Date.now;
  }

  async issue(
    purpose: OneTimeTokenPurpose,
    userId: string,
    subject?: string,
    /** `issuedBy`: the command asking, so that its repeat can be told from another request (see `outstanding`). */
    recorded: Pick<OneTimeTokenRecord, 'issuedBy' | 'replaces' | 'accountEpoch'> = {},
  ): Promise<IssuedOneTimeToken> {
    const token = randomToken();
    const createdAt = new Date(this.now());
    const expiresAt = new Date(createdAt.getTime() + this.lifetimes[purpose]);
    await this.store.replace({
      tokenHash: sha256Hex(token),
      purpose,
      userId,
      ...(subject !== undefined ? { subject } : {}),
      ...recorded,
      createdAt,
      expiresAt,
      issueOrder: issueOrder(createdAt),
    });
    if (await this.droppedIfForgotten(userId))
      throw new DomainError('user-not-found', 'not-found', 'no such user', { userId });
    return { token, expiresAt };
  }

  /**
   * Consumes the token. Unknown, used, replaced or other-purpose tokens are all `token-invalid`, except that a repeat
   * of the request that redeemed it (the same `commandId`: a retry after a lost answer) is told so (`repeated`).
   */
  async redeem(
    /** One purpose, or several a link may have (the one it has is in the answer). */
    purpose: OneTimeTokenPurpose | readonly OneTimeTokenPurpose[],
    token: string,
    commandId?: string,
    /** Checks before the token is used up: a refusal here leaves it usable. */
    beforeUse?: (token: RedeemedOneTimeToken) => Promise<void>,
  ): Promise<RedeemedOneTimeToken> {
    const now = new Date(this.now());
    const record = await this.store.find(sha256Hex(token));
    const purposes: readonly OneTimeTokenPurpose[] = typeof purpose === 'string' ? [purpose] : purpose;
    if (!record || !purposes.includes(record.purpose)) throw invalidLink();
    if (record.expiresAt <= now)
      throw new DomainError('token-expired', 'gone', 'this link has expired; ask for a new one', {
        purpose: record.purpose,
      });
    const redeemed = {
      purpose: record.purpose,
      userId: record.userId,
      ...(record.subject !== undefined ? { subject: record.subject } : {}),
      ...(record.replaces !== undefined ? { replaces: record.replaces } : {}),
      ...(record.accountEpoch !== undefined ? { accountEpoch: record.accountEpoch } : {}),
    };
    if (record.redeemedBy !== undefined) {
      if (commandId !== undefined && record.redeemedBy === commandId) return { ...redeemed, repeated: true };
      throw invalidLink();
    }
    await beforeUse?.(redeemed);
    if (!(await this.store.redemptions.claim(record.tokenHash, now, record.expiresAt))) throw invalidLink();
    await this.store.deleteFor(record.userId, record.purpose);
    if (commandId !== undefined) {
      // Kept to answer a repeat, unless the account's deletion forgot its links meanwhile.
      await this.store.insert({ ...record, redeemedBy: commandId });
      await this.droppedIfForgotten(record.userId);
    }
    return redeemed;
  }

  /** The user's link of this purpose that is neither used nor expired: what it vouches for, and who asked for it. */
  async outstanding(
    purpose: OneTimeTokenPurpose,
    userId: string,
  ): Promise<{ subject?: string; issuedBy?: string; expiresAt: Date } | undefined> {
    const record = await this.store.findOutstanding(userId, purpose);
    if (!record || record.expiresAt.getTime() <= this.now()) return undefined;
    const { subject, issuedBy, expiresAt } = record;
    return {
      ...(subject !== undefined ? { subject } : {}),
      ...(issuedBy !== undefined ? { issuedBy } : {}),
      expiresAt,
    };
  }

  /**
   * A deleted account's links, used or not, of every purpose: none works after, and none keeps the address it was sent
   * to.
   */
  async forget(userId: string): Promise<void> {
    // Marked first, so that a link being issued meanwhile (its account read before the deletion) is not left behind.
    const now = this.now();
    await this.store.redemptions.claim(forgotten(userId), new Date(now), new Date(now + FORGOTTEN_KEPT_MS));
    await this.store.deleteAllFor(userId);
  }

  /**
   * Called once a link is stored: either the deletion's sweep (`forget`) comes after the store, or this sees the
   * deletion's mark and sweeps itself.
   */
  private async droppedIfForgotten(userId: string): Promise<boolean> {
    if (!(await this.store.redemptions.isClaimed(forgotten(userId)))) return false;
    await this.store.deleteAllFor(userId);
    return true;
  }

  /** E.g. after a password change: outstanding reset links stop working (a used one still answers its repeat). */
  async revoke(purpose: OneTimeTokenPurpose, userId: string): Promise<void> {
    await this.store.deleteFor(userId, purpose, { keepRedeemed: true });
  }
}

/** `token-invalid`: unknown, used, replaced, of another purpose, or void for a reason its user must not learn. */
export function invalidLink(): DomainError {
  return new DomainError('token-invalid', 'gone', 'this link is not valid (it may have been used already)');
}
