import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { parsePhoneNumberFromString as parseWithNumberTypes, type NumberType } from 'libphonenumber-js/max';
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

/**
 * Lines an invitation is never texted to: those that cost the sender more than a personal line, or pay whoever runs
 * them for each message (premium-rate, shared-cost, and "personal numbers" that forward to any phone at a premium:
 * the way SMS-pumping fraud bills a platform), and those that are not one person's phone (toll-free, universal
 * access, voicemail, pager).
 */
const NOT_A_PERSONAL_LINE: ReadonlySet<NumberType> = new Set([
  'PREMIUM_RATE',
  'SHARED_COST',
  'PERSONAL_NUMBER',
  'TOLL_FREE',
  'UAN',
  'VOICEMAIL',
  'PAGER',
]);

/**
 * What kind of line an E.164 number is when it is not a personal one (`premium-rate`, `shared-cost`,
 * `personal-number`, `toll-free`, `uan`, `voicemail`, `pager`), from libphonenumber's full metadata; undefined for
 * mobile, fixed, VoIP and unknown lines.
 */
export function impersonalLineType(phone: string): string | undefined {
  const type = parseWithNumberTypes(phone)?.getType();
  return type !== undefined && NOT_A_PERSONAL_LINE.has(type)
    ? type.toLowerCase().replace('_', '-')
    : undefined;
}
