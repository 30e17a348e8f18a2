import { hop } from '@app/tracing';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import { type RecordedDomainEvent } from '@app/event-store';
import { DLQ_HEADERS, dlqTopic, eventMessage, InvalidEventError, type BusMessage } from '@app/messaging';

export interface PublicEventMapping {
  /** e.g. `identity`: the CloudEvent type becomes `identity.<EventType>.v<schema version>`. */
  readonly service: string;
  readonly topic: string;
  /** e.g. `/identity-platform/identity`. */
  readonly source: string;
  /** The aggregate's stream prefix, e.g. `user-`: the rest of the stream name is the subject and Kafka key. */
  readonly streamPrefix: string;
  /** Whether the aggregate id is also the tenant (an organization's events). */
  readonly subjectIsTenant?: boolean;
}

/**
 * Recorded events as their public contract: CloudEvents keyed by the aggregate, carrying the stream revision for
 * ordering and deduplication, the actor and correlation id (R21), validated against their JSON Schemas.
 *
 * A recorded event its contract refuses (a fault of ours: the write side let through what the schema does not) goes to
 * the topic's dead-letter topic instead, reported through `onUnpublishable`: retrying it could never succeed, and
 * every event after it, of every tenant, would wait behind it.
 */
export function publicEventMessages(
  mapping: PublicEventMapping,
  onUnpublishable?: (error: InvalidEventError, envelope: EventEnvelope) => void,
): (events: readonly RecordedDomainEvent[]) => BusMessage[] {
  return (events) =>
    events.map((recorded) => {
      const envelope = toPublicEnvelope(mapping, recorded);
      // The relay's hop, in the trace of the command that recorded the event: consumers continue from it.
      const traceparent = hop(
        `${mapping.service}-relay`,
        `relay ${envelope.type}`,
        recorded.metadata.traceparent,
      );
      try {
        return eventMessage(mapping.topic, traceparent ? { ...envelope, traceparent } : envelope);
      } catch (error) {
        if (!(error instanceof InvalidEventError)) throw error;
        onUnpublishable?.(error, envelope);
        return unpublishable(mapping.topic, envelope, error);
      }
    });
}

function unpublishable(topic: string, envelope: EventEnvelope, error: InvalidEventError): BusMessage {
  return {
    topic: dlqTopic(topic),
    key: envelope.subject,
    headers: {
      [DLQ_HEADERS.error]: error.message,
      [DLQ_HEADERS.originalTopic]: topic,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    },
    value: Buffer.from(JSON.stringify(envelope)),
  };
}

/** One recorded event as the CloudEvent the relay publishes (also what a read-model rebuild projects). */
export function toPublicEnvelope(mapping: PublicEventMapping, recorded: RecordedDomainEvent): EventEnvelope {
  const subject = recorded.streamName.slice(mapping.streamPrefix.length);
  const data = recorded.event.data as { at?: string };
  return {
    id: recorded.id,
    type: `${mapping.service}.${recorded.event.type}.v${recorded.metadata.schemaVersion}`,
    source: mapping.source,
    subject,
    time: data.at ?? recorded.created.toISOString(),
    specversion: '1.0',
    datacontenttype: 'application/json',
    correlationid: recorded.metadata.correlationId,
    causationid: recorded.metadata.causationId,
    actor: recorded.metadata.actor,
    ...(mapping.subjectIsTenant ? { tenant: subject } : {}),
    ...(recorded.metadata.actingVia ? { actingvia: recorded.metadata.actingVia } : {}),
    revision: recorded.revision.toString(),
    data: recorded.event.data,
  };
}

/** The public event streams of the write services. */
export const PUBLIC_EVENT_MAPPINGS = {
  identity: {
    service: 'identity',
    topic: TOPICS.identityUsers,
    source: '/identity-platform/identity',
    streamPrefix: 'user-',
  },
  membership: {
    service: 'membership',
    topic: TOPICS.membershipOrganizations,
    source: '/identity-platform/membership',
    streamPrefix: 'organization-',
    subjectIsTenant: true,
  },
} as const satisfies Record<string, PublicEventMapping>;
