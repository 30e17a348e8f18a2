import { InMemoryClaimLedger, type ClaimLedger, type KeyValueMap } from '../shared/claim-ledger';

export interface RefreshTokenRecord {
  /** sha256 of the token: the token itself is never stored. */
  readonly tokenHash: string;
  readonly familyId: string;
  readonly userId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

export interface RefreshFamily {
  readonly familyId: string;
  readonly userId: string;
  readonly createdAt: Date;
  /** How the session was opened (`['pwd']`, `['pwd', 'otp']`); every access token of the session says the same. */
  readonly amr?: readonly string[];
  readonly revokedAt?: Date;
}

/**
 * When a session's latest token was issued (its sign-in or latest refresh) and until when it lasts unless refreshed.
 * Kept apart from the family: a write of it must never carry back a family read before it was ended.
 */
export interface SessionActivity {
  readonly familyId: string;
  readonly userId: string;
  readonly lastUsedAt: Date;
  readonly expiresAt: Date;
}

/** An open session: its family, and its latest activity. */
export type LiveSession = RefreshFamily & Pick<SessionActivity, 'lastUsedAt' | 'expiresAt'>;

/**
 * One rotation, kept for a short while so that a repeat of the same request (same command id: a client's retry after
 * a lost answer, or a redelivery) gets the same successor instead of counting as reuse of a leaked token.
 */
export interface RefreshRotation {
  /** sha256 of the token that was rotated. */
  readonly fromHash: string;
  readonly commandId: string;
  /** The successor token, sealed under a key only the rotated token itself gives (see `refresh-rotation-seal`). */
  readonly sealedSuccessor: string;
  readonly rotatedAt: Date;
  /** Until when a repeat is answered. */
  readonly expiresAt: Date;
}

export interface RefreshTokenStore {
  /** Marks a token as used; exactly one concurrent caller gets true. */
  readonly uses: ClaimLedger;
  /** False, recording nothing, when a rotation of the same token is recorded already (the first one stays). */
  recordRotation(rotation: RefreshRotation): Promise<boolean>;
  findRotation(fromHash: string): Promise<RefreshRotation | null>;
  createFamily(family: RefreshFamily): Promise<void>;
  getFamily(familyId: string): Promise<RefreshFamily | null>;
  insertToken(record: RefreshTokenRecord): Promise<void>;
  findToken(tokenHash: string): Promise<RefreshTokenRecord | null>;
  revokeFamily(familyId: string, at: Date): Promise<void>;
  /** Notes a token issued in the session (in place of the note before). */
  noteActivity(activity: SessionActivity): Promise<void>;
  /**
   * The user's sessions neither ended nor expired at `now`. A session with no activity noted (opened before notes were
   * kept, and not refreshed since) is not among them.
   */
  liveSessionsOf(userId: string, now: Date): Promise<LiveSession[]>;
  /** Forgets when the user's sessions were used (an erased account). */
  forgetActivityOf(userId: string): Promise<void>;
  /** Every session of the user, or those opened before `openedBefore`. */
  revokeAllForUser(userId: string, at: Date, openedBefore?: Date): Promise<void>;
}

/** In one process (its maps may be kept under the data dir, see data-dir-stores). */
export class InMemoryRefreshTokenStore implements RefreshTokenStore {
  constructor(
    private readonly families: KeyValueMap<RefreshFamily> = new Map(),
    private readonly tokens: KeyValueMap<RefreshTokenRecord> = new Map(),
    readonly uses: ClaimLedger = new InMemoryClaimLedger(),
    private readonly rotations: KeyValueMap<RefreshRotation> = new Map(),
    private readonly activity: KeyValueMap<SessionActivity> = new Map(),
  ) {}

  recordRotation(rotation: RefreshRotation): Promise<boolean> {
    if (this.rotations.size >= 1_000)
      for (const [fromHash, kept] of [...this.rotations])
        if (kept.expiresAt <= rotation.rotatedAt) this.rotations.delete(fromHash);
    if (this.rotations.has(rotation.fromHash)) return Promise.resolve(false);
    this.rotations.set(rotation.fromHash, rotation);
    return Promise.resolve(true);
  }

  findRotation(fromHash: string): Promise<RefreshRotation | null> {
    return Promise.resolve(this.rotations.get(fromHash) ?? null);
  }

  createFamily(family: RefreshFamily): Promise<void> {
    this.families.set(family.familyId, family);
    return Promise.resolve();
  }

  getFamily(familyId: string): Promise<RefreshFamily | null> {
    return Promise.resolve(this.families.get(familyId) ?? null);
  }

  insertToken(record: RefreshTokenRecord): Promise<void> {
    this.tokens.set(record.tokenHash, record);
    return Promise.resolve();
  }

  findToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    return Promise.resolve(this.tokens.get(tokenHash) ?? null);
  }

  revokeFamily(familyId: string, at: Date): Promise<void> {
    const family = this.families.get(familyId);
    if (family && !family.revokedAt) this.families.set(familyId, { ...family, revokedAt: at });
    return Promise.resolve();
  }

  noteActivity(activity: SessionActivity): Promise<void> {
    if (this.activity.size >= 1_000 && !this.activity.has(activity.familyId))
      for (const [familyId, kept] of [...this.activity])
        if (kept.expiresAt <= activity.lastUsedAt) this.activity.delete(familyId);
    this.activity.set(activity.familyId, activity);
    return Promise.resolve();
  }

  liveSessionsOf(userId: string, now: Date): Promise<LiveSession[]> {
    const live: LiveSession[] = [];
    for (const { familyId, userId: owner, lastUsedAt, expiresAt } of this.activity.values()) {
      const family = owner === userId && expiresAt > now ? this.families.get(familyId) : undefined;
      if (family && !family.revokedAt) live.push({ ...family, lastUsedAt, expiresAt });
    }
    return Promise.resolve(live);
  }

  forgetActivityOf(userId: string): Promise<void> {
    for (const [familyId, kept] of [...this.activity])
      if (kept.userId === userId) this.activity.delete(familyId);
    return Promise.resolve();
  }

  revokeAllForUser(userId: string, at: Date, openedBefore?: Date): Promise<void> {
    for (const family of [...this.families.values()])
      if (
        family.userId === userId &&
        !family.revokedAt &&
        !(openedBefore && family.createdAt >= openedBefore)
      )
        this.families.set(family.familyId, { ...family, revokedAt: at });
    return Promise.resolve();
  }
}
