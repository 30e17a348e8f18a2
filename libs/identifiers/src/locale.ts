import { DomainError } from '@app/domain';

/** The languages messages are written in. A user's locale is one of these; adding one means adding its words. */
export const SUPPORTED_LOCALES = ['en', 'de'] as const;
export type SupportedLocale = (typeof SUPPORTED_LOCALES)[number];

const TAG = /^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*$/i;

/** A BCP 47 tag (`de`, `de-AT`, `en_GB`) -> its language, when messages are written in it; refused otherwise. */
export function parseLocale(raw: string, field = 'locale'): SupportedLocale {
  const language = TAG.exec(raw.trim())?.[1]?.toLowerCase();
  if (!language || !(SUPPORTED_LOCALES as readonly string[]).includes(language))
    throw new DomainError(
      'unsupported-locale',
      'validation',
      `${field}: one of ${SUPPORTED_LOCALES.join(', ')} (a tag such as de-AT counts as its language)`,
      { field, supported: [...SUPPORTED_LOCALES] },
    );
  return language as SupportedLocale;
}
