import { InMemoryClaimLedger, type ClaimLedger } from '../shared/claim-ledger';

export interface TwoFactorRecord {
  readonly userId: string;
  /** AES-GCM sealed base32 secret. */
  readonly sealedSecret: string;
  readonly confirmedAt?: Date;
  /** sha256 of each recovery code. */
  readonly recoveryCodeHashes: readonly string[];
  /** The command id of the request that started a pending enrollment: its retry is shown the same secret. */
  readonly startedBy?: string;
}

export interface TwoFactorStore {
  /** Used TOTP time steps and recovery codes: each can be claimed once. */
  readonly uses: ClaimLedger;
  get(userId: string): Promise<TwoFactorRecord | null>;
  /**
   * Writes `record` in place of the user's pending enrollment sealed as `pending` (`null`: in place of none), and
   * answers whether it did: false, writing nothing, when the store holds something else by now (another enrollment
   * started, or this one confirmed, meanwhile).
   */
  replacePending(record: TwoFactorRecord, pending: string | null): Promise<boolean>;
  /**
   * Puts `hashes` in place of the recovery codes of the user's confirmed second factor sealed as `sealedSecret`, and
   * answers whether it did: false, writing nothing, when the store holds anything else by now (turned off, set up
   * again, or its codes replaced meanwhile: `previous` are the hashes the caller read).
   */
  replaceRecoveryCodes(
    userId: string,
    sealedSecret: string,
    previous: readonly string[],
    hashes: readonly string[],
  ): Promise<boolean>;
  delete(userId: string): Promise<void>;
}

/** Whether `held` is the pending enrollment sealed as `pending` (or nothing, for `null`). */
export function holdsPending(
  held: { sealedSecret: string; confirmedAt?: unknown } | null | undefined,
  pending: string | null,
): boolean {
  return pending === null ? !held : held?.sealedSecret === pending && !held.confirmedAt;
}

/** Whether `held` is the confirmed second factor sealed as `sealedSecret`, with the recovery codes `codes`. */
export function holdsConfirmed(
  held:
    { sealedSecret: string; confirmedAt?: unknown; recoveryCodeHashes: readonly string[] } | null | undefined,
  sealedSecret: string,
  codes: readonly string[],
): boolean {
  return (
    held?.sealedSecret === sealedSecret &&
    Boolean(held.confirmedAt) &&
    held.recoveryCodeHashes.length === codes.length &&
    held.recoveryCodeHashes.every((hash, i) => hash === codes[i])
  );
}

/** `held` with `hashes` as its recovery codes, if it is what `replaceRecoveryCodes` may replace; else undefined. */
export function withCodesReplaced<
  T extends { sealedSecret: string; confirmedAt?: unknown; recoveryCodeHashes: readonly string[] },
>(
  held: T | undefined,
  sealedSecret: string,
  previous: readonly string[],
  hashes: readonly string[],
): T | undefined {
  return holdsConfirmed(held, sealedSecret, previous)
    ? { ...held!, recoveryCodeHashes: [...hashes] }
    : undefined;
}

export class InMemoryTwoFactorStore implements TwoFactorStore {
  readonly uses = new InMemoryClaimLedger();
  private readonly records = new Map<string, TwoFactorRecord>();

  get(userId: string): Promise<TwoFactorRecord | null> {
    return Promise.resolve(this.records.get(userId) ?? null);
  }

  replacePending(record: TwoFactorRecord, pending: string | null): Promise<boolean> {
    if (!holdsPending(this.records.get(record.userId), pending)) return Promise.resolve(false);
    this.records.set(record.userId, record);
    return Promise.resolve(true);
  }

  replaceRecoveryCodes(
    userId: string,
    sealedSecret: string,
    previous: readonly string[],
    hashes: readonly string[],
  ): Promise<boolean> {
    const replaced = withCodesReplaced(this.records.get(userId), sealedSecret, previous, hashes);
    if (replaced) this.records.set(userId, replaced);
    return Promise.resolve(replaced !== undefined);
  }

  delete(userId: string): Promise<void> {
    this.records.delete(userId);
    return Promise.resolve();
  }
}
