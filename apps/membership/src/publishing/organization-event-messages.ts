import { TOPICS, type EventEnvelope } from '@app/contracts';
import { type RecordedDomainEvent } from '@app/event-store';
import { eventMessage, type BusMessage } from '@app/messaging';

export const MEMBERSHIP_SOURCE = '/identity-platform/membership';
const STREAM_PREFIX = 'organization-';

/**
 * A recorded organization event as its public contract: a CloudEvent on `membership.organization.v1`, keyed by the
 * organization, carrying the stream revision for ordering and deduplication. Validated against its JSON Schema.
 */
export function organizationEventMessages(events: readonly RecordedDomainEvent[]): BusMessage[] {
  return events.map((recorded) => {
    const orgId = recorded.streamName.slice(STREAM_PREFIX.length);
    const data = recorded.event.data as { at?: string };
    const envelope: EventEnvelope = {
      id: recorded.id,
      type: `membership.${recorded.event.type}.v${recorded.metadata.schemaVersion}`,
      source: MEMBERSHIP_SOURCE,
      subject: orgId,
      time: data.at ?? recorded.created.toISOString(),
      specversion: '1.0',
      datacontenttype: 'application/json',
      correlationid: recorded.metadata.correlationId,
      causationid: recorded.metadata.causationId,
      actor: recorded.metadata.actor,
      tenant: orgId,
      revision: recorded.revision.toString(),
      data: recorded.event.data,
    };
    return eventMessage(TOPICS.membershipOrganizations, envelope);
  });
}
