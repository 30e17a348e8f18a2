import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '@app/domain';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-length';

export type PasswordViolation = 'too-short' | 'too-long' | 'common-password' | 'same-as-email';

/** NIST 800-63B: compare and hash the NFKC form, so the same password typed on two keyboards is one password. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

let bundled: ReadonlySet<string> | undefined;

/** The shipped top-10,000 list (see make-common-passwords.ts), read once per process. */
export function bundledCommonPasswords(): ReadonlySet<string> {
  bundled ??= new Set(
    readFileSync(join(__dirname, 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.length > 0),
  );
  return bundled;
}

/**
 * OWASP ASVS 5.0 L2 (6.2): length 8-128 counted in code points, any Unicode and spaces allowed, no composition
 * rules, and none of the most common passwords.
 */
export class PasswordPolicy {
  constructor(private readonly commonPasswords: ReadonlySet<string> = bundledCommonPasswords()) {}

  violations(password: string, context: { email?: string } = {}): PasswordViolation[] {
    const normalized = normalizePassword(password);
    const length = [...normalized].length;
    if (length < MIN_PASSWORD_LENGTH) return ['too-short'];
    if (length > MAX_PASSWORD_LENGTH) return ['too-long'];
    const lower = normalized.toLowerCase();
    const found: PasswordViolation[] = [];
    if (this.commonPasswords.has(lower)) found.push('common-password');
    if (context.email && lower === context.email.trim().toLowerCase()) found.push('same-as-email');
    return found;
  }

  /** Throws `weak-password` (validation) naming every violation. */
  assert(password: string, context: { email?: string } = {}): void {
    const violations = this.violations(password, context);
    if (violations.length > 0)
      throw new DomainError('weak-password', 'validation', 'the password does not meet the password policy', {
        field: 'password',
        violations,
        minLength: MIN_PASSWORD_LENGTH,
        maxLength: MAX_PASSWORD_LENGTH,
      });
  }
}
