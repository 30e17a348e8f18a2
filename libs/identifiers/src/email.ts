import { DomainError } from '@app/domain';
import { fullFormats } from 'ajv-formats/dist/formats';

// RFC 5321 lengths, one @, a dotted domain; ownership is proven by R18's link.
const EMAIL_LENGTHS = /^[^@]{1,64}@(?=.{1,253}$)[^@.]+(\.[^@.]+)+$/;
// The event contracts' `format: "email"` (ajv-formats): an address they would refuse must never reach an event, or
// the relay could not publish it and every event after it would wait.
const CONTRACT_EMAIL = fullFormats.email as RegExp;

export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Normalized e-mail, or a `invalid-email` validation error naming the field. */
export function parseEmail(raw: string, field = 'email'): string {
  const email = normalizeEmail(raw);
  // Checked as given too: lower-casing turns some letters that are no ASCII into ASCII (the Kelvin sign into `k`).
  if (!EMAIL_LENGTHS.test(email) || !CONTRACT_EMAIL.test(email) || !CONTRACT_EMAIL.test(raw.trim()))
    throw new DomainError('invalid-email', 'validation', `${field}: not a valid e-mail address`, { field });
  return email;
}

/**
 * One mailbox's address whatever its `+tag` (`ada+news@example.com` is `ada@example.com`), lower-cased: what mail
 * quotas count, so that tags cannot multiply what one mailbox is sent. Anything without an `@` (a number) as it is.
 */
export function mailboxOf(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  return `${plus < 0 ? local : local.slice(0, plus)}${address.slice(at)}`.toLowerCase();
}

export function emailDomain(email: string): string {
  const normalized = normalizeEmail(email);
  return normalized.slice(normalized.lastIndexOf('@') + 1);
}
