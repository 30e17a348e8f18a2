import providers from 'email-providers/all.json';

/**
 * Providers that `email-providers` lacks: privacy mailboxes and relay (alias) services, where anyone can get an
 * address, and the other reserved example domains.
 */
const ALSO_PUBLIC = [
  'addy.io',
  'anonaddy.com',
  'anonaddy.me',
  'countermail.com',
  'ctemplar.com',
  'disroot.org',
  'duck.com',
  'example.net',
  'example.org',
  'fastmail.com',
  'kolabnow.com',
  'mailfence.com',
  'mozmail.com',
  'posteo.de',
  'posteo.net',
  'riseup.net',
  'simplelogin.co',
  'simplelogin.com',
  'skiff.com',
  'slmail.me',
  'startmail.com',
  'tuta.com',
  'tuta.io',
  'tutanota.com',
  'tutanota.de',
  'zohomail.com',
  'zohomail.eu',
];

/**
 * R16: the domains of public mail providers (gmail.com, outlook.com, fastmail.com ...): the `email-providers`
 * package's list of about 8,700 and the ones above. An address there proves nothing about an organization, so none of
 * them can be claimed, and one claimed before claims were checked enrols nobody: auto-join on it would enrol every
 * stranger who verifies an address there.
 */
const PUBLIC_MAIL_DOMAINS: ReadonlySet<string> = new Set([...providers, ...ALSO_PUBLIC]);

export const isPublicMailDomain = (domain: string): boolean => PUBLIC_MAIL_DOMAINS.has(domain);
