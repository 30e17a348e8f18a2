import { randomUUID } from 'node:crypto';
import { type EventEnvelope } from '@app/contracts';

/**
 * A hand-made `membership.<type>.v1` CloudEvent about organization `orgId`, as the relay publishes them; its source
 * marks it as a test's. `data` gets the organization, the actor and the time unless it names them.
 */
export function organizationEvent(
  type: string,
  orgId: string,
  data: Record<string, unknown>,
  {
    revision = '0',
    actor = 'owner',
    test = 'tests',
  }: { revision?: string; actor?: string; test?: string } = {},
): EventEnvelope {
  const at = new Date().toISOString();
  return {
    id: randomUUID(),
    type: `membership.${type}.v1`,
    source: `/identity-platform/tests/${test}`,
    subject: orgId,
    time: at,
    specversion: '1.0',
    datacontenttype: 'application/json',
    correlationid: randomUUID(),
    causationid: randomUUID(),
    actor,
    tenant: orgId,
    revision,
    data: { orgId, actorId: actor, at, ...data },
  };
}
