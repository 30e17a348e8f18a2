import { DomainError } from '@app/domain';

// Pragmatic shape check (RFC 5321 lengths, one @, a dotted domain, no whitespace); ownership is proven by R18's link.
const EMAIL = /^[^\s@]{1,64}@(?=.{1,253}$)[^\s@.]+(\.[^\s@.]+)+$/u;

export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Normalized e-mail, or a `invalid-email` validation error naming the field. */
export function parseEmail(raw: string, field = 'email'): string {
  const email = normalizeEmail(raw);
  if (!EMAIL.test(email))
    throw new DomainError('invalid-email', 'validation', `${field}: not a valid e-mail address`, { field });
  return email;
}

export function emailDomain(email: string): string {
  const normalized = normalizeEmail(email);
  return normalized.slice(normalized.lastIndexOf('@') + 1);
}
