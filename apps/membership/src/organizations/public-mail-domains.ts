import providers from 'email-providers/all.json';

/**
 * R16: the domains of public mail providers (gmail.com, outlook.com ...), from the `email-providers` package. An
 * address there proves nothing about an organization, so none of them can be claimed: auto-join on one would enrol
 * every stranger who verifies an address at it.
 */
const PUBLIC_MAIL_DOMAINS: ReadonlySet<string> = new Set(providers);

export const isPublicMailDomain = (domain: string): boolean => PUBLIC_MAIL_DOMAINS.has(domain);
