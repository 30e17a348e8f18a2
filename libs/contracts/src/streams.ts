/** The event store stream of one organization: every service that reads it names it the same way. */
export const organizationStream = (orgId: string) => `organization-${orgId}`;
