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
  /** When its latest token was issued (the sign-in or the latest refresh); absent on sessions kept before this was. */
  readonly lastUsedAt?: Date;
  /** When its latest token expires: the session ends then unless refreshed. */
  readonly expiresAt?: Date;
}

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
  /** Notes a token issued in the session: when, and until when the session lasts now. */
  touchFamily(familyId: string, usedAt: Date, expiresAt: Date): Promise<void>;
  /** The user's sessions neither ended nor expired at `now`. */
  liveFamiliesOf(userId: string, now: Date): Promise<RefreshFamily[]>;
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

  touchFamily(familyId: string, usedAt: Date, expiresAt: Date): Promise<void> {
    const family = this.families.get(familyId);
    // Kept as it is once ended: the end is what counts.
    if (family && !family.revokedAt)
      this.families.set(familyId, { ...family, lastUsedAt: usedAt, expiresAt });
    return Promise.resolve();
  }

  liveFamiliesOf(userId: string, now: Date): Promise<RefreshFamily[]> {
    return Promise.resolve(
      [...this.families.values()].filter(
        (family) =>
          family.userId === userId && !family.revokedAt && !(family.expiresAt && family.expiresAt <= now),
      ),
    );
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
