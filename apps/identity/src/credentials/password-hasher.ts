import { randomBytes } from 'node:crypto';
import * as argon2 from 'argon2';
import { normalizePassword } from './password-policy';

export interface Argon2Parameters {
  /** KiB. */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet, first argon2id option: m=19 MiB, t=2, p=1. */
export const DEFAULT_ARGON2_PARAMETERS: Argon2Parameters = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  constructor(readonly parameters: Argon2Parameters = DEFAULT_ARGON2_PARAMETERS) {}

  hash(password: string): Promise<string> {
    return argon2.hash(normalizePassword(password), { type: argon2.argon2id, ...this.parameters });
  }

  /** False for a wrong password and for a stored value that is not an argon2 hash at all. */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, normalizePassword(password));
    } catch {
      return false;
    }
  }

  /** True when the hash was made with another variant or other parameters than the configured ones. */
  needsRehash(hash: string): boolean {
    if (!hash.startsWith('$argon2id$')) return true;
    try {
      return argon2.needsRehash(hash, this.parameters);
    } catch {
      return true;
    }
  }

  /**
   * Spends the same work as a real verification, for an account that does not exist, so response time does not
   * tell whether an e-mail is registered. Always false.
   */
  async dummyVerify(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('base64'));
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
