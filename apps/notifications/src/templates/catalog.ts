import { SUPPORTED_LOCALES, type SupportedLocale } from '@app/identifiers';
import { NOTICE_KINDS } from '../notices/notice-rules';

/**
 * The words of every message, per locale. `{name}`, `{org}`, `{role}` and `{until}` are filled in (and escaped for
 * HTML) by the renderer; `{until}` holds a whole sentence or nothing. A message with a link names its button.
 */
export interface MessageWords {
  readonly subject: string;
  readonly hello: string;
  readonly helloNamed: string;
  readonly body: readonly string[];
  /** Paragraphs after the body in an e-mail, left out of a text message (each segment costs money). */
  readonly mailOnly?: readonly string[];
  /** What a text message says in their place, shorter. */
  readonly textMessageOnly?: readonly string[];
  readonly action?: string;
  readonly until?: string;
}

/**
 * The e-mails other services request (`confirm-email-change` is `verify-email` asked for an address change), the
 * invitation, and one message per kind of notice.
 */
export const TEMPLATES = [
  'verify-email',
  'confirm-email-change',
  'reset-password',
  'account-exists',
  'email-changed',
  'password-changed',
  'invitation',
  ...NOTICE_KINDS,
] as const;
export type TemplateName = (typeof TEMPLATES)[number];

/** The identity domain accepts exactly these as a user's locale; each must have its words here. */
export const LOCALES = SUPPORTED_LOCALES;
export type Locale = SupportedLocale;

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
  roles: { owner: 'the Owner', admin: 'an Admin', user: 'a member' },
  'verify-email': {
    subject: 'Confirm your e-mail address',
    body: [
      'An account was created with this address. If it was you, confirm the address.',
      'If it was not, do not confirm it: whoever created the account chose its password. Use "Forgot password" on the sign-in page instead, and the account is yours.',
    ],
    action: 'Confirm',
  },
  'confirm-email-change': {
    subject: 'Confirm your new e-mail address',
    body: [
      'Someone asked to use this address for their account from now on. If it was you, confirm it: the account moves to this address once you do.',
      'If it was not, ignore this message: nothing changes.',
    ],
    action: 'Confirm the address',
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
    // The organization's name is whatever its creator typed: it is named as a name, never as this platform's word.
    mailOnly: [
      'The name above was chosen by whoever created that organization, not by us. If you do not know it, ignore this message: nothing happens unless you accept, and we never ask for your password in an e-mail.',
    ],
    // An SMS carries the name too, and a name can read as a warning from us ("account locked, sign in at ...").
    textMessageOnly: ["The name is its creator's, not ours. Unknown? Ignore this."],
    action: 'Accept the invitation',
  },
  'role-changed': { subject: 'Your role in {org} changed', body: ['You are now {role} in {org}.'] },
  'ownership-transferred': {
    subject: 'Ownership of {org} was transferred',
    body: ['The ownership of {org} was transferred. You are now {role} there.'],
  },
  'removed-from-organization': {
    subject: 'You were removed from {org}',
    body: ['You are no longer a member of {org}, and no longer in its teams.'],
  },
  'added-to-team': { subject: 'You joined a team in {org}', body: ['You were added to a team in {org}.'] },
  'made-team-manager': {
    subject: 'You manage a team in {org}',
    body: ['You are now a manager of a team in {org}: you may add its members and rename it.'],
  },
  'phone-removed': {
    subject: 'The phone number on your profile was removed',
    body: [
      'Someone proved that the phone number on your profile is theirs: they registered from an invitation sent to it. It was removed from your profile. If you think this is wrong, contact support.',
    ],
  },
  'two-factor-enabled': {
    subject: 'Two-factor sign-in was turned on',
    body: [
      'Two-factor sign-in was turned on for your account: signing in now also asks for a code from your authenticator app, and every session was signed out. Keep your recovery codes somewhere safe.',
      'If you did not do this, reset your password now and contact support.',
    ],
  },
  'two-factor-disabled': {
    subject: 'Two-factor sign-in was turned off',
    body: [
      'Two-factor sign-in was turned off for your account: signing in now asks for your password only, and every session was signed out.',
      'If you did not do this, reset your password now and turn two-factor sign-in on again.',
    ],
  },
  'recovery-codes-replaced': {
    subject: 'New recovery codes were made for your account',
    body: [
      'New recovery codes were made for the two-factor sign-in of your account, with a code from your authenticator app: the recovery codes you had before no longer work.',
      'If you did not do this, reset your password now, then turn two-factor sign-in off and on again, and contact support.',
    ],
  },
  'account-locked': {
    subject: 'Your account was locked',
    body: [
      'Your account was locked by an operator of this service: you cannot sign in until it is unlocked. If you did not expect this, contact support.',
    ],
  },
  'invitation-accepted': {
    subject: 'Your invitation to {org} was accepted',
    body: ['Someone you invited has joined {org}.'],
  },
  'invitation-revoked': {
    subject: 'Your invitation to {org} was withdrawn',
    body: ['The invitation to join {org} you received was withdrawn; its link no longer works.'],
  },
  'organization-deleted': {
    subject: '{org} was deleted',
    body: ['The organization {org} was deleted. You are no longer a member of it.'],
  },
  'two-factor-required': {
    subject: '{org} now requires a second factor',
    body: ['{org} now requires two-factor authentication. Turn it on in your account to keep working there.'],
  },
  'two-factor-enrollment': {
    subject: '{org} requires a second factor',
    body: [
      'You joined {org}, which requires two-factor authentication. Turn it on in your account to work there.',
    ],
  },
};

const de: Catalog = {
  hello: 'Hallo,',
  helloNamed: 'Hallo {name},',
  until: 'Der Link gilt einmal, bis {until}.',
  // Said where most messages name it: after zu, in, aus, von, beitreten (dative).
  someOrganization: 'einer Organisation',
  roles: { owner: 'Inhaber', admin: 'Admin', user: 'Mitglied' },
  'verify-email': {
    subject: 'Bestätigen Sie Ihre E-Mail-Adresse',
    body: [
      'Mit dieser Adresse wurde ein Konto angelegt. Wenn Sie das waren, bestätigen Sie die Adresse.',
      'Wenn nicht, bestätigen Sie nicht: Das Passwort hat jemand anderes gewählt. Nutzen Sie stattdessen „Passwort vergessen“ auf der Anmeldeseite, dann gehört das Konto Ihnen.',
    ],
    action: 'Bestätigen',
  },
  'confirm-email-change': {
    subject: 'Bestätigen Sie Ihre neue E-Mail-Adresse',
    body: [
      'Jemand möchte diese Adresse ab jetzt für sein Konto verwenden. Wenn Sie das waren, bestätigen Sie sie: Erst dann wechselt das Konto zu dieser Adresse.',
      'Wenn nicht, ignorieren Sie diese Nachricht: Es ändert sich nichts.',
    ],
    action: 'Adresse bestätigen',
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
    mailOnly: [
      'Den Namen oben hat gewählt, wer diese Organisation angelegt hat, nicht wir. Wenn Sie sie nicht kennen, ignorieren Sie diese Nachricht: Ohne Ihre Annahme geschieht nichts, und wir fragen nie per E-Mail nach Ihrem Passwort.',
    ],
    textMessageOnly: ['Den Namen wählte, wer die Organisation anlegte, nicht wir. Unbekannt? Ignorieren.'],
    action: 'Einladung annehmen',
  },
  'role-changed': {
    subject: 'Ihre Rolle in {org} wurde geändert',
    body: ['Sie sind jetzt {role} in {org}.'],
  },
  'ownership-transferred': {
    subject: 'Inhaberschaft von {org} übertragen',
    body: ['Die Inhaberschaft von {org} wurde übertragen. Sie sind dort jetzt {role}.'],
  },
  'removed-from-organization': {
    subject: 'Sie wurden aus {org} entfernt',
    body: ['Sie sind kein Mitglied von {org} mehr und auch nicht mehr in seinen Teams.'],
  },
  'added-to-team': { subject: 'Neues Team in {org}', body: ['Sie wurden einem Team in {org} hinzugefügt.'] },
  'made-team-manager': {
    subject: 'Sie leiten ein Team in {org}',
    body: ['Sie leiten jetzt ein Team in {org}: Sie können Mitglieder hinzufügen und es umbenennen.'],
  },
  'invitation-accepted': {
    subject: 'Ihre Einladung zu {org} wurde angenommen',
    body: ['Jemand, den Sie eingeladen haben, ist {org} beigetreten.'],
  },
  'invitation-revoked': {
    subject: 'Ihre Einladung zu {org} wurde zurückgezogen',
    body: ['Die Einladung zu {org} wurde zurückgezogen; ihr Link gilt nicht mehr.'],
  },
  'organization-deleted': {
    subject: '{org} wurde gelöscht',
    body: ['Die Organisation {org} wurde gelöscht. Sie sind nicht mehr Mitglied.'],
  },
  'two-factor-required': {
    subject: '{org} verlangt jetzt einen zweiten Faktor',
    body: [
      '{org} verlangt jetzt die Zwei-Faktor-Anmeldung. Schalten Sie sie in Ihrem Konto ein, um dort weiterzuarbeiten.',
    ],
  },
  'two-factor-enrollment': {
    subject: '{org} verlangt einen zweiten Faktor',
    body: [
      'Sie sind {org} beigetreten, das die Zwei-Faktor-Anmeldung verlangt. Schalten Sie sie in Ihrem Konto ein, um dort zu arbeiten.',
    ],
  },
  'phone-removed': {
    subject: 'Die Telefonnummer in Ihrem Profil wurde entfernt',
    body: [
      'Jemand hat nachgewiesen, dass die Telefonnummer in Ihrem Profil ihm gehört: Er hat sich über eine Einladung registriert, die an diese Nummer gesendet wurde. Sie wurde aus Ihrem Profil entfernt. Wenn Sie das für falsch halten, wenden Sie sich an den Support.',
    ],
  },
  'two-factor-enabled': {
    subject: 'Die Zwei-Faktor-Anmeldung wurde eingeschaltet',
    body: [
      'Für Ihr Konto wurde die Zwei-Faktor-Anmeldung eingeschaltet: Die Anmeldung fragt jetzt auch nach einem Code aus Ihrer Authenticator-App, und alle Sitzungen wurden abgemeldet. Bewahren Sie Ihre Wiederherstellungscodes sicher auf.',
      'Wenn Sie das nicht waren, setzen Sie jetzt Ihr Passwort zurück und wenden Sie sich an den Support.',
    ],
  },
  'two-factor-disabled': {
    subject: 'Die Zwei-Faktor-Anmeldung wurde ausgeschaltet',
    body: [
      'Für Ihr Konto wurde die Zwei-Faktor-Anmeldung ausgeschaltet: Die Anmeldung fragt jetzt nur noch nach Ihrem Passwort, und alle Sitzungen wurden abgemeldet.',
      'Wenn Sie das nicht waren, setzen Sie jetzt Ihr Passwort zurück und schalten Sie die Zwei-Faktor-Anmeldung wieder ein.',
    ],
  },
  'recovery-codes-replaced': {
    subject: 'Für Ihr Konto wurden neue Wiederherstellungscodes erstellt',
    body: [
      'Für die Zwei-Faktor-Anmeldung Ihres Kontos wurden mit einem Code aus Ihrer Authenticator-App neue Wiederherstellungscodes erstellt: Ihre bisherigen Wiederherstellungscodes gelten nicht mehr.',
      'Wenn Sie das nicht waren, setzen Sie jetzt Ihr Passwort zurück, schalten Sie die Zwei-Faktor-Anmeldung aus und wieder ein, und wenden Sie sich an den Support.',
    ],
  },
  'account-locked': {
    subject: 'Ihr Konto wurde gesperrt',
    body: [
      'Ihr Konto wurde von einem Betreiber dieses Dienstes gesperrt: Sie können sich erst wieder anmelden, wenn es entsperrt ist. Wenn Sie das nicht erwartet haben, wenden Sie sich an den Support.',
    ],
  },
};

export const CATALOGS: Record<Locale, Catalog> = { en, de };

/** A supported locale for a requested one (`de-AT` -> `de`); English otherwise. */
/** The language of `requested` (`de-AT`: German), or `otherwise` when it is none this service speaks. */
export function localeOf(requested: string | undefined, otherwise: Locale = 'en'): Locale {
  const language = requested?.toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(language ?? '') ? (language as Locale) : otherwise;
}
