/** The event store stream of one organization: every service that reads it names it the same way. */
export const organizationStream = (orgId: string) => `organization-${orgId}`;

/** The event store stream of one user (identity's): read by membership to see whether an account was deleted. */
export const userStream = (userId: string) => `user-${userId}`;
