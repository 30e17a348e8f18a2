import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '@app/domain';
import { randomToken, sha256Hex } from '../shared/secrets';
import { openSuccessor, sealSuccessor } from './refresh-rotation-seal';
import { type RefreshTokenStore } from './refresh-token.store';

const NOT_RECORDED = Symbol('no rotation recorded');

export type RefreshFailure = 'unknown' | 'expired' | 'revoked' | 'reused';

/**
 * Answered to the client as `refresh-token-<reason>` (a token is 32 random bytes, so telling `unknown` from `revoked`
 * gives nothing away, and it tells a client whether its session was ended on purpose).
 */
export class RefreshTokenError extends Error {
  constructor(readonly reason: RefreshFailure) {
    super(`refresh token rejected: ${reason}`);
    this.name = 'RefreshTokenError';
  }
}

export interface IssuedRefreshToken {
  /** Give to the client once; only its hash is stored. */
  readonly token: string;
  readonly familyId: string;
  readonly userId: string;
  readonly expiresAt: Date;
  /** How the session was opened; a session recorded before this was kept counts as opened with the password alone. */
  readonly amr: readonly string[];
  /** When the session was opened (the sign-in), however often it was refreshed since. */
  readonly signedInAt: Date;
}

/** A session as its user sees it: when it was opened and last used, and whether with a second factor. */
export interface OpenSession {
  readonly sessionId: string;
  readonly signedInAt: string;
  readonly lastUsedAt: string;
  readonly expiresAt: string;
  readonly secondFactor: boolean;
}

export interface RefreshTokenOptions {
  /** Lifetime of each token (sliding), default 30 days. */
  readonly ttlMs?: number;
  /** How long a repeat of a rotation (same command id) is answered with the same successor, default 5 minutes. */
  readonly repeatWindowMs?: number;
  readonly now?: () => number;
}

/**
 * Opaque refresh tokens with rotation (OAuth 2.0 Security BCP §4.14): every use returns a new token of the same
 * family; presenting a token that was already used means it leaked, so the whole family (the session) is revoked.
 */
export class RefreshTokens {
  private readonly ttlMs: number;
  private readonly repeatWindowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: RefreshTokenStore,
    options: RefreshTokenOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30 * 24 * 3600_000;
    this.repeatWindowMs = options.repeatWindowMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** A new session (login), opened with the authentication methods `amr`. */
  async issue(userId: string, amr: readonly string[]): Promise<IssuedRefreshToken> {
    const familyId = randomUUID();
    const createdAt = new Date(this.now());
    await this.store.createFamily({ familyId, userId, createdAt, amr: [...amr] });
    return this.mint({ familyId, userId, amr, signedInAt: createdAt });
  }

  /**
   * Exchanges a token for its successor. Exactly one of any number of concurrent uses succeeds, except that a repeat
   * of the same request (`commandId`: a retry after a lost answer, a redelivery) within the repeat window gets the same
   * successor: only a use by another request counts as reuse.
   */
  async rotate(token: string, commandId?: string): Promise<IssuedRefreshToken> {
    const now = new Date(this.now());
    const record = await this.store.findToken(sha256Hex(token));
    if (!record) throw new RefreshTokenError('unknown');
    const family = await this.store.getFamily(record.familyId);
    if (!family || family.revokedAt) throw new RefreshTokenError('revoked');
    if (record.expiresAt <= now) throw new RefreshTokenError('expired');
    const session = {
      familyId: record.familyId,
      userId: record.userId,
      amr: family.amr ?? ['pwd'],
      signedInAt: family.createdAt,
    };
    if (!(await this.store.uses.claim(record.tokenHash, now, record.expiresAt, commandId))) {
      const repeated = commandId ? await this.successorFor(token, commandId) : undefined;
      if (repeated && repeated !== NOT_RECORDED) return { ...repeated, ...session };
      // This very request used the token before and failed before recording its successor (a store error, a crash):
      // its retry finishes the rotation, instead of being taken for someone else's use and ending the session.
      if (!(repeated === NOT_RECORDED && (await this.ownUnfinishedUse(record.tokenHash, commandId!, now)))) {
        await this.store.revokeFamily(record.familyId, now);
        throw new RefreshTokenError('reused');
      }
    }
    const successor = await this.mint(session);
    if (!commandId) return successor;
    const recorded = await this.store.recordRotation({
      fromHash: record.tokenHash,
      commandId,
      sealedSuccessor: sealSuccessor(token, commandId, successor.token),
      rotatedAt: now,
      expiresAt: new Date(now.getTime() + this.repeatWindowMs),
    });
    if (recorded) return successor;
    // Only this request could record it (it claimed the use): a first attempt slower than its retry's wait got there
    // first. The one successor recorded is the answer, so the session never has two.
    const first = await this.successorFor(token, commandId);
    if (!first || first === NOT_RECORDED) {
      await this.store.revokeFamily(record.familyId, now);
      throw new RefreshTokenError('reused');
    }
    return { ...first, ...session };
  }

  /**
   * Whether the use of the token was claimed by this request, within half the repeat window: a rotation record
   * outlives the whole window (by the store's clock), so a record missing that early was never written.
   */
  private async ownUnfinishedUse(tokenHash: string, commandId: string, now: Date): Promise<boolean> {
    const claim = await this.store.uses.claimOf(tokenHash);
    return claim?.claimant === commandId && now.getTime() - claim.at.getTime() < this.repeatWindowMs / 2;
  }

  /**
   * The successor the same request got, if it rotated `token` within the window; NOT_RECORDED when no rotation of it
   * was recorded at all. A repeat racing the first use may arrive before the rotation is recorded, so it is looked
   * for a little longer.
   */
  private async successorFor(
    token: string,
    commandId: string,
  ): Promise<Pick<IssuedRefreshToken, 'token' | 'expiresAt'> | typeof NOT_RECORDED | undefined> {
    const fromHash = sha256Hex(token);
    for (let attempt = 0; attempt < 40; attempt++) {
      const rotation = await this.store.findRotation(fromHash);
      if (rotation) {
        if (rotation.commandId !== commandId || rotation.expiresAt.getTime() <= this.now()) return undefined;
        const successor = openSuccessor(token, commandId, rotation.sealedSuccessor);
        const record = successor && (await this.store.findToken(sha256Hex(successor)));
        // Once the successor itself was used, its owner has it: a repeat now is someone else's.
        if (!record || (await this.store.uses.isClaimed(record.tokenHash))) return undefined;
        return { token: successor, expiresAt: record.expiresAt };
      }
      await sleep(25);
    }
    return NOT_RECORDED;
  }

  /**
   * Logout: ends the session the token belongs to, and says which it was. Unknown tokens are ignored (logout is
   * idempotent).
   */
  async revoke(token: string): Promise<string | undefined> {
    const record = await this.store.findToken(sha256Hex(token));
    if (!record) return undefined;
    await this.store.revokeFamily(record.familyId, new Date(this.now()));
    return record.familyId;
  }

  /**
   * Signing out everywhere: every session of the token's user ends, and the token's own id is said. Only the current
   * token of an open session does it: one already rotated (a leaked copy) or of an ended session ends its own session
   * and no other, so whoever holds an old token cannot sign its user out of every device.
   */
  async revokeEverywhere(token: string): Promise<string | undefined> {
    const record = await this.store.findToken(sha256Hex(token));
    if (!record) return undefined;
    const family = await this.store.getFamily(record.familyId);
    const current =
      family !== null &&
      !family.revokedAt &&
      record.expiresAt > new Date(this.now()) &&
      !(await this.store.uses.isClaimed(record.tokenHash));
    if (current) await this.revokeAllForUser(record.userId);
    else await this.store.revokeFamily(record.familyId, new Date(this.now()));
    return record.familyId;
  }

  /** An erased account: when its sessions were used is forgotten too (they were ended). */
  async forgetActivityOf(userId: string): Promise<void> {
    await this.store.forgetActivityOf(userId);
  }

  /** Password change or reset, two-factor turned on or off, a lock, account deletion: every session of the user ends. */
  async revokeAllForUser(userId: string): Promise<void> {
    await this.store.revokeAllForUser(userId, new Date(this.now()));
  }

  /**
   * The sessions a change at `changedAt` ended (a keyed retry of it ends them again, in case the first attempt failed
   * before): those opened before it, and none the user opened since. Without the instant, every session.
   */
  async revokeOpenedBefore(userId: string, changedAt: string | undefined): Promise<void> {
    await this.store.revokeAllForUser(
      userId,
      new Date(this.now()),
      changedAt === undefined ? undefined : new Date(changedAt),
    );
  }

  /**
   * Every session of the user ends around `change` (a new password, a second factor), which the gateway also dates:
   * access tokens issued before it stop working. Ended before it, so that no old session mints a token dated after
   * it; and again after it, for a sign-in that checked the old password before and opened its session in between.
   */
  async endAllAround<T>(userId: string, change: () => Promise<T>): Promise<T> {
    await this.revokeAllForUser(userId);
    const result = await change();
    await this.revokeAllForUser(userId);
    return result;
  }

  /** The user's open sessions, the one used most lately first. */
  async sessionsOf(userId: string): Promise<OpenSession[]> {
    const sessions = await this.store.liveSessionsOf(userId, new Date(this.now()));
    return sessions
      .map((session) => ({
        sessionId: session.familyId,
        signedInAt: session.createdAt.toISOString(),
        lastUsedAt: session.lastUsedAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
        secondFactor: (session.amr ?? []).includes('otp'),
      }))
      .sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt) || a.sessionId.localeCompare(b.sessionId));
  }

  /**
   * Ends one of the user's sessions (a device they no longer have). Ending one that has ended already does nothing;
   * a session that is not theirs is none they have.
   */
  async endSession(userId: string, sessionId: string): Promise<void> {
    const family = await this.store.getFamily(sessionId);
    if (family?.userId !== userId)
      throw new DomainError('session-not-found', 'not-found', 'you have no such session', { sessionId });
    await this.store.revokeFamily(sessionId, new Date(this.now()));
  }

  /** Whether a session (the `sid` of an access token) is still alive. */
  async isSessionActive(familyId: string): Promise<boolean> {
    const family = await this.store.getFamily(familyId);
    return family !== null && !family.revokedAt;
  }

  private async mint(session: Omit<IssuedRefreshToken, 'token' | 'expiresAt'>): Promise<IssuedRefreshToken> {
    const { familyId, userId } = session;
    const token = randomToken();
    const issuedAt = new Date(this.now());
    const expiresAt = new Date(issuedAt.getTime() + this.ttlMs);
    await this.store.insertToken({ tokenHash: sha256Hex(token), familyId, userId, issuedAt, expiresAt });
    // Only shown to the user (where they are signed in): a failure to note it does not fail the sign-in or refresh.
    await this.store
      .noteActivity({ familyId, userId, lastUsedAt: issuedAt, expiresAt })
      .catch(() => undefined);
    return { ...session, token, expiresAt };
  }
}
