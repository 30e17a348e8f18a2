import { randomBytes } from 'node:crypto';
import { DomainError } from '@app/domain';
import { sha256Hex } from '../shared/secrets';
import { type SecretCipher } from './secret-cipher';
import { generateTotpSecret, totpUri, verifyTotp } from './totp';
import { type TwoFactorStore } from './two-factor.store';

export interface TwoFactorOptions {
  readonly issuer: string;
  /** Accepted clock drift in seconds either side (default 30: the previous and next 30-s step). */
  readonly toleranceSeconds?: number;
  readonly recoveryCodeCount?: number;
  readonly now?: () => number;
}

export interface Enrollment {
  readonly secret: string;
  readonly otpauthUri: string;
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * TOTP (RFC 6238) second factor (R22): enroll -> confirm with a first code -> verify at login. A code is accepted
 * once (its time step is claimed), a recovery code once. Secrets stay in this service's collection, sealed.
 */
export class TwoFactorService {
  private readonly tolerance: number;
  private readonly recoveryCodeCount: number;
  private readonly now: () => number;

  constructor(
    private readonly store: TwoFactorStore,
    private readonly cipher: SecretCipher,
    private readonly options: TwoFactorOptions,
  ) {
    this.tolerance = options.toleranceSeconds ?? 30;
    this.recoveryCodeCount = options.recoveryCodeCount ?? 10;
    this.now = options.now ?? Date.now;
  }

  /**
   * Starts (or restarts) an enrollment; refused while a confirmed one exists. The retry of the request that started
   * the pending one (the same `commandId`) is shown its secret again rather than a new one.
   */
  async enroll(userId: string, accountLabel: string, commandId?: string): Promise<Enrollment> {
    const label = (secret: string) => ({
      secret,
      otpauthUri: totpUri(this.options.issuer, accountLabel, secret),
    });
    // Written only in place of what was read: a confirm landing in between is never overwritten (read again, it
    // refuses), and an enrollment started in between is replaced by this newer one.
    for (let attempt = 1; attempt <= ENROLL_ATTEMPTS; attempt++) {
      const existing = await this.store.get(userId);
      if (existing?.confirmedAt) throw alreadyEnabled();
      if (commandId !== undefined && existing?.startedBy === commandId)
        return label(this.cipher.decrypt(existing.sealedSecret, userId));
      const secret = generateTotpSecret();
      const started = await this.store.replacePending(
        {
          userId,
          sealedSecret: this.cipher.encrypt(secret, userId),
          recoveryCodeHashes: [],
          ...(commandId !== undefined ? { startedBy: commandId } : {}),
        },
        existing?.sealedSecret ?? null,
      );
      if (started) return label(secret);
    }
    throw changedMeanwhile();
  }

  /** Proves the authenticator works; returns the recovery codes, shown once. */
  async confirm(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
    const record = await this.store.get(userId);
    if (!record) throw new DomainError('two-factor-not-enrolled', 'not-found', 'start an enrollment first');
    if (record.confirmedAt) throw alreadyEnabled();
    if (!(await this.checkTotp(userId, record.sealedSecret, code))) throw invalidCode();
    const recoveryCodes = this.newRecoveryCodes();
    const confirmed = await this.store.replacePending(
      {
        ...record,
        confirmedAt: new Date(this.now()),
        recoveryCodeHashes: recoveryCodes.map(recoveryCodeHash),
      },
      record.sealedSecret,
    );
    if (confirmed) return { recoveryCodes };
    // Confirmed by another request meanwhile, or the enrollment restarted: the code was right, for the one replaced.
    if ((await this.store.get(userId))?.confirmedAt) throw alreadyEnabled();
    throw changedMeanwhile();
  }

  /**
   * New recovery codes for a current code of the authenticator (not a recovery code: the codes stand in for the
   * authenticator, so only the authenticator makes new ones); the old ones stop working. Shown once, as at set-up.
   */
  async replaceRecoveryCodes(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
    const record = await this.store.get(userId);
    if (!record?.confirmedAt) throw notEnabled();
    const verdict = await this.totpVerdict(userId, record.sealedSecret, code.replace(/\s+/g, ''), {
      signIn: true,
    });
    if (verdict === 'used')
      throw new DomainError(
        'two-factor-code-used',
        'forbidden',
        'this code was used already: enter the next one your authenticator app shows',
        { field: 'code' },
      );
    if (verdict !== 'valid') throw invalidCode();
    const recoveryCodes = this.newRecoveryCodes();
    const replaced = await this.store.replaceRecoveryCodes(
      userId,
      record.sealedSecret,
      record.recoveryCodeHashes,
      recoveryCodes.map(recoveryCodeHash),
    );
    if (replaced) return { recoveryCodes };
    if (!(await this.store.get(userId))?.confirmedAt) throw notEnabled();
    throw new DomainError(
      'concurrency-conflict',
      'conflict',
      'two-factor sign-in was set up again or its recovery codes replaced meanwhile: ask again with a new code',
    );
  }

  async isEnabled(userId: string): Promise<boolean> {
    return Boolean((await this.store.get(userId))?.confirmedAt);
  }

  /** A current TOTP code or an unused recovery code. */
  async verify(userId: string, code: string): Promise<{ valid: boolean; method?: 'totp' | 'recovery-code' }> {
    const record = await this.store.get(userId);
    if (!record?.confirmedAt) return { valid: false };
    const trimmed = code.replace(/\s+/g, '');
    if (/^\d{6}$/.test(trimmed))
      return (await this.checkTotp(userId, record.sealedSecret, trimmed, { signIn: true }))
        ? { valid: true, method: 'totp' }
        : { valid: false };
    const hash = recoveryCodeHash(code);
    if (!record.recoveryCodeHashes.includes(hash)) return { valid: false };
    const fresh = await this.store.uses.claim(`${userId}:recovery:${hash}`, new Date(this.now()));
    return fresh ? { valid: true, method: 'recovery-code' } : { valid: false };
  }

  async disable(userId: string): Promise<void> {
    await this.store.delete(userId);
  }

  private newRecoveryCodes(): string[] {
    return Array.from({ length: this.recoveryCodeCount }, recoveryCode);
  }

  private async checkTotp(
    userId: string,
    sealedSecret: string,
    code: string,
    options: { signIn?: boolean } = {},
  ): Promise<boolean> {
    return (await this.totpVerdict(userId, sealedSecret, code, options)) === 'valid';
  }

  /** `used`: a right code of a step claimed before (a replay, or a retry of the request that claimed it). */
  private async totpVerdict(
    userId: string,
    sealedSecret: string,
    code: string,
    options: { signIn?: boolean } = {},
  ): Promise<'valid' | 'invalid' | 'used'> {
    if (!/^\d{6}$/.test(code)) return 'invalid';
    const secret = this.cipher.decrypt(sealedSecret, userId);
    const timeStep = verifyTotp(secret, code, Math.floor(this.now() / 1000), this.tolerance);
    if (timeStep === undefined) return 'invalid';
    const at = new Date(this.now());
    // Kept while the code could still be accepted (its step, give or take the tolerance), then swept.
    const until = new Date(this.now() + (2 * this.tolerance + 60) * 1000);
    // Replay protection: a code (its 30-s time step) is good once per user and secret. Keyed by the secret too, so that
    // a confirm that lost to a restarted set-up does not spend the step for the new authenticator's code.
    const secretId = sha256Hex(sealedSecret).slice(0, 16);
    if (!(await this.store.uses.claim(`${userId}:totp:${secretId}:${timeStep}`, at, until))) return 'used';
    // Replicas of the release before key a step by the user alone: while a rolling upgrade runs both, this release
    // claims that key too, so that a code used on either is refused at sign-in on the other. A confirm does not depend
    // on it: the step may have been spent there on a set-up this one replaced. (Drop once no such replica can run.)
    const legacyClaimed = await this.store.uses.claim(`${userId}:totp:${timeStep}`, at, until);
    return legacyClaimed || !options.signIn ? 'valid' : 'used';
  }
}

function alreadyEnabled(): DomainError {
  return new DomainError(
    'two-factor-already-enabled',
    'conflict',
    'two-factor authentication is already on (recovery codes that never reached you: ask for new ones with a current code)',
  );
}

/** Enrollments started at once by one user: each replaces the one it read, so one of a few tries lands. */
const ENROLL_ATTEMPTS = 5;

function changedMeanwhile(): DomainError {
  return new DomainError(
    'concurrency-conflict',
    'conflict',
    'the two-factor set-up was started again or ended meanwhile: confirm the newest set-up with its own code',
  );
}

function invalidCode(): DomainError {
  return new DomainError('invalid-two-factor-code', 'validation', 'the code is not valid', { field: 'code' });
}

function recoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

function recoveryCodeHash(code: string): string {
  return sha256Hex(code.toLowerCase().replace(/[\s-]/g, ''));
}

function notEnabled(): DomainError {
  return new DomainError('two-factor-not-enrolled', 'not-found', 'two-factor sign-in is not on');
}
