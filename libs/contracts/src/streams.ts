/** The event store stream of one organization: every service that reads it names it the same way. */
export const organizationStream = (orgId: string) => `organization-${orgId}`;

/** The event store stream of one user (identity's): read by membership to see whether an account was deleted. */
export const userStream = (userId: string) => `user-${userId}`;

/** Membership's stream of one e-mail domain's claim (R16): read by the gateway to recognise a repeated release. */
export const domainClaimStream = (domain: string) => `domain-${domain}`;

/** The command id under which a request (`commandId`) that released a domain freed its claim stream. */
export const domainReleaseCommandId = (commandId: string) => `${commandId}/release`;
