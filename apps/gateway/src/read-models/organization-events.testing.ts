import { type OrganizationEvent } from './organization.projection';

/** An organization event as the projection takes it, by the organization's owner, stamped at `at`. */
export function organizationEventOf(
  orgId: string,
  revision: number,
  type: string,
  at: string,
  data: Record<string, unknown>,
): OrganizationEvent {
  return {
    id: `${orgId}-${revision}`,
    type,
    orgId,
    revision,
    actorId: 'owner',
    correlationId: 'c',
    at,
    data: { orgId, actorId: 'owner', at, ...data },
  };
}
