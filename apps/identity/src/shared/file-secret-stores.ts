import { join } from 'node:path';
import { type CredentialStore } from '../credentials/credential.store';
import { holdsPending, type TwoFactorRecord, type TwoFactorStore } from '../two-factor/two-factor.store';
import { InMemoryClaimLedger } from './claim-ledger';
import { JournalMap } from './journal-map';
import { JsonFileMap } from './json-file-map';

/** Embedded default: password hashes under `<dataDir>/identity/credentials.json` (mode 0600). */
export class FileCredentialStore implements CredentialStore {
  private readonly hashes: JsonFileMap<string>;

  constructor(dataDir: string) {
    this.hashes = new JsonFileMap(join(dataDir, 'identity', 'credentials.json'));
  }

  getHash(userId: string): Promise<string | null> {
    return Promise.resolve(this.hashes.get(userId) ?? null);
  }

  setHash(userId: string, hash: string): Promise<void> {
    this.hashes.set(userId, hash);
    return Promise.resolve();
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

  delete(userId: string): Promise<void> {
    this.records.delete(userId);
    return Promise.resolve();
  }
}
