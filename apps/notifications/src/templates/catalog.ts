/**
 * The words of every message, per locale. `{name}`, `{org}`, `{role}` and `{until}` are filled in (and escaped for
 * HTML) by the renderer; `{until}` holds a whole sentence or nothing. A message with a link names its button.
 */
export interface MessageWords {
  readonly subject: string;
  readonly hello: string;
  readonly helloNamed: string;
  readonly body: readonly string[];
  readonly action?: string;
  readonly until?: string;
}

export const TEMPLATES = [
  'verify-email',
  'reset-password',
  'account-exists',
  'email-changed',
  'password-changed',
  'invitation',
] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export const LOCALES = ['en', 'de'] as const;
export type Locale = (typeof LOCALES)[number];

type Catalog = Record<TemplateName, Omit<MessageWords, 'hello' | 'helloNamed'>> & {
  readonly hello: string;
  readonly helloNamed: string;
  readonly until: string;
  /** Stands in for an organization whose name the event did not carry. */
  readonly someOrganization: string;
  readonly roles: Record<string, string>;
};

const en: Catalog = {
  hello: 'Hello,',
  helloNamed: 'Hello {name},',
  until: 'The link works once, until {until}.',
  someOrganization: 'an organization',
  roles: { admin: 'an Admin', user: 'a member' },
  'verify-email': {
    subject: 'Confirm your e-mail address',
    body: ['Confirm this address.'],
    action: 'Confirm',
  },
  'reset-password': {
    subject: 'Reset your password',
    body: [
      'Someone asked to reset your password. If it was you, choose a new one.',
      'If it was not, ignore this message.',
    ],
    action: 'Reset password',
  },
  'account-exists': {
    subject: 'You already have an account',
    body: [
      'Someone tried to register with this address, which already has an account. If it was you, sign in or reset your password.',
    ],
  },
  'email-changed': {
    subject: 'Your e-mail address was changed',
    body: [
      'The e-mail address of your account was changed. If you did not do this, reset your password now.',
    ],
  },
  'password-changed': {
    subject: 'Your password was changed',
    body: [
      'Your password was changed and every session was signed out. If you did not do this, reset your password now.',
    ],
  },
  invitation: {
    subject: 'Invitation to join {org}',
    body: ['You are invited to join {org} as {role}.'],
    action: 'Accept the invitation',
  },
};

const de: Catalog = {
  hello: 'Hallo,',
  helloNamed: 'Hallo {name},',
  until: 'Der Link gilt einmal, bis {until}.',
  someOrganization: 'eine Organisation',
  roles: { admin: 'Admin', user: 'Mitglied' },
  'verify-email': {
    subject: 'Bestätigen Sie Ihre E-Mail-Adresse',
    body: ['Bitte bestätigen Sie diese Adresse.'],
    action: 'Bestätigen',
  },
  'reset-password': {
    subject: 'Passwort zurücksetzen',
    body: [
      'Jemand möchte Ihr Passwort zurücksetzen. Wenn Sie das waren, wählen Sie ein neues.',
      'Wenn nicht, ignorieren Sie diese Nachricht.',
    ],
    action: 'Passwort zurücksetzen',
  },
  'account-exists': {
    subject: 'Sie haben bereits ein Konto',
    body: [
      'Jemand wollte sich mit dieser Adresse registrieren, zu der es schon ein Konto gibt. Wenn Sie das waren, melden Sie sich an oder setzen Sie Ihr Passwort zurück.',
    ],
  },
  'email-changed': {
    subject: 'Ihre E-Mail-Adresse wurde geändert',
    body: [
      'Die E-Mail-Adresse Ihres Kontos wurde geändert. Wenn Sie das nicht waren, setzen Sie jetzt Ihr Passwort zurück.',
    ],
  },
  'password-changed': {
    subject: 'Ihr Passwort wurde geändert',
    body: [
      'Ihr Passwort wurde geändert und alle Sitzungen wurden abgemeldet. Wenn Sie das nicht waren, setzen Sie jetzt Ihr Passwort zurück.',
    ],
  },
  invitation: {
    subject: 'Einladung zu {org}',
    body: ['Sie sind eingeladen, {org} als {role} beizutreten.'],
    action: 'Einladung annehmen',
  },
};

export const CATALOGS: Record<Locale, Catalog> = { en, de };

/** A supported locale for a requested one (`de-AT` -> `de`); English otherwise. */
export function localeOf(requested: string | undefined): Locale {
  const language = requested?.toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(language ?? '') ? (language as Locale) : 'en';
}
