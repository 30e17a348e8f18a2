import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { DomainError } from '@app/domain';

const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * At the edge: any human-typed number (with a default country for national formats) -> E.164, so that
 * `+44 20 7946 0958` and `+442079460958` are one number everywhere (uniqueness, invitations, acceptance).
 */
export function parsePhone(raw: string, field = 'phone', defaultCountry?: CountryCode): string {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry);
  if (!parsed || !parsed.isValid())
    throw new DomainError('invalid-phone', 'validation', `${field}: not a valid phone number`, { field });
  return parsed.number;
}

/** Inside the domain: the value must already be E.164. */
export function assertE164(phone: string): string {
  if (!E164.test(phone))
    throw new DomainError('invalid-phone', 'validation', 'phone must be in E.164 form', { field: 'phone' });
  return phone;
}
