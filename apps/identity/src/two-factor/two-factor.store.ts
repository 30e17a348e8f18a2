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
  put(record: TwoFactorRecord): Promise<void>;
  delete(userId: string): Promise<void>;
}

export class InMemoryTwoFactorStore implements TwoFactorStore {
  readonly uses = new InMemoryClaimLedger();
  private readonly records = new Map<string, TwoFactorRecord>();

  get(userId: string): Promise<TwoFactorRecord | null> {
    return Promise.resolve(this.records.get(userId) ?? null);
  }

  put(record: TwoFactorRecord): Promise<void> {
    this.records.set(record.userId, record);
    return Promise.resolve();
  }

  delete(userId: string): Promise<void> {
    this.records.delete(userId);
    return Promise.resolve();
  }
}
