import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { DomainError } from '@app/domain';

const E164 = /^\+[1-9]\d{1,14}$/;

/** At the edge: any human-typed number (with a default country for national formats) -> E.164. */
export function parsePhone(raw: string, defaultCountry?: CountryCode): string {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry);
  if (!parsed || !parsed.isValid())
    throw new DomainError('invalid-phone', 'validation', 'not a valid phone number', { field: 'phone' });
  return parsed.number;
}

/** Inside the domain: the value must already be E.164. */
export function assertE164(phone: string): string {
  if (!E164.test(phone))
    throw new DomainError('invalid-phone', 'validation', 'phone must be in E.164 form', { field: 'phone' });
  return phone;
}
