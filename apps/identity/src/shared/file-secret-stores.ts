import { join } from 'node:path';
import { type CredentialStore, type StoredCredential } from '../credentials/credential.store';
import {
  withCodesReplaced,
  holdsPending,
  type TwoFactorRecord,
  type TwoFactorStore,
} from '../two-factor/two-factor.store';
import { InMemoryClaimLedger } from './claim-ledger';
import { JournalMap } from './journal-map';
import { JsonFileMap } from './json-file-map';

/** Embedded default: password hashes under `<dataDir>/identity/credentials.json` (mode 0600). */
export class FileCredentialStore implements CredentialStore {
  /** A bare hash as written before password changes were recorded with it. */
  private readonly hashes: JsonFileMap<string | StoredCredential>;

  constructor(dataDir: string) {
    this.hashes = new JsonFileMap(join(dataDir, 'identity', 'credentials.json'));
  }

  getHash(userId: string): Promise<string | null> {
    return Promise.resolve(this.stored(userId)?.hash ?? null);
  }

  setHash(userId: string, hash: string, _at?: Date, changedBy?: string): Promise<void> {
    this.hashes.set(userId, changedBy === undefined ? hash : { hash, changedBy });
    return Promise.resolve();
  }

  changedBy(userId: string): Promise<string | undefined> {
    return Promise.resolve(this.stored(userId)?.changedBy);
  }

  rehash(userId: string, expected: string, hash: string, _at?: Date): Promise<boolean> {
    const stored = this.stored(userId);
    if (stored?.hash !== expected) return Promise.resolve(false);
    this.hashes.set(userId, stored.changedBy === undefined ? hash : { ...stored, hash });
    return Promise.resolve(true);
  }

  private stored(userId: string): StoredCredential | undefined {
    const value = this.hashes.get(userId);
    return typeof value === 'string' ? { hash: value } : value;
  }

  delete(userId: string): Promise<void> {
    this.hashes.delete(userId);
    return Promise.resolve();
  }
}

type StoredTwoFactor = Omit<TwoFactorRecord, 'confirmedAt'> & { confirmedAt?: string };

/** Embedded default: sealed TOTP secrets and recovery-code hashes under `<dataDir>/identity/two-factor.json`. */
export class FileTwoFactorStore implements TwoFactorStore {
  /** TOTP time steps and recovery codes used, so a code is not accepted twice across a restart either. */
  readonly uses: InMemoryClaimLedger;
  private readonly records: JsonFileMap<StoredTwoFactor>;

  constructor(dataDir: string) {
    this.records = new JsonFileMap(join(dataDir, 'identity', 'two-factor.json'));
    this.uses = new InMemoryClaimLedger(new JournalMap(join(dataDir, 'identity', 'two-factor-uses.jsonl')));
  }

  get(userId: string): Promise<TwoFactorRecord | null> {
    const stored = this.records.get(userId);
    if (!stored) return Promise.resolve(null);
    const { confirmedAt, ...rest } = stored;
    return Promise.resolve({ ...rest, ...(confirmedAt ? { confirmedAt: new Date(confirmedAt) } : {}) });
  }

  replacePending(record: TwoFactorRecord, pending: string | null): Promise<boolean> {
    if (!holdsPending(this.records.get(record.userId), pending)) return Promise.resolve(false);
    const { confirmedAt, ...rest } = record;
    this.records.set(record.userId, {
      ...rest,
      ...(confirmedAt ? { confirmedAt: confirmedAt.toISOString() } : {}),
    });
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
