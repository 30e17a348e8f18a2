import { type AllStreamResolvedEvent, type ResolvedEvent } from '@eventstore/db-client';
import { type DomainEvent } from '@app/domain';
import { isEventMetadata, type EventMetadata } from './event-metadata';
import { noUpcasters, type Upcasters } from './upcasting';

/** An event as read back from the store: the domain event (upcast to its current version) plus where it sits. */
export interface RecordedDomainEvent<E extends DomainEvent = DomainEvent> {
  readonly id: string;
  readonly streamName: string;
  readonly revision: bigint;
  /** `commit/prepare` of the event in `$all`, when read from `$all` or a server that reports it. */
  readonly position?: string;
  readonly created: Date;
  readonly event: E;
  readonly metadata: EventMetadata;
}

export function formatPosition(position: { commit: bigint; prepare: bigint }): string {
  return `${position.commit}/${position.prepare}`;
}

export function parsePosition(text: string): { commit: bigint; prepare: bigint } {
  const [commit, prepare] = text.split('/');
  if (commit === undefined || prepare === undefined || !/^\d+$/.test(commit) || !/^\d+$/.test(prepare)) {
    throw new Error(`invalid event store position "${text}"`);
  }
  return { commit: BigInt(commit), prepare: BigInt(prepare) };
}

const legacyMetadata: EventMetadata = {
  correlationId: 'unknown',
  causationId: 'unknown',
  actor: 'unknown',
  schemaVersion: 1,
  commandId: 'unknown',
};

/** An event's metadata as stored, or what is known of an event written before metadata had this shape. */
export function metadataOf(stored: unknown): EventMetadata {
  return isEventMetadata(stored) ? stored : legacyMetadata;
}

/** Returns undefined for link events and non-JSON records, which our streams never contain. */
export function toRecordedDomainEvent<E extends DomainEvent>(
  resolved: ResolvedEvent | AllStreamResolvedEvent,
  upcasters: Upcasters = noUpcasters,
): RecordedDomainEvent<E> | undefined {
  const recorded = resolved.event;
  if (!recorded || !recorded.isJson) return undefined;
  const metadata = metadataOf(recorded.metadata);
  return {
    id: recorded.id,
    streamName: recorded.streamId,
    revision: recorded.revision,
    ...(recorded.position ? { position: formatPosition(recorded.position) } : {}),
    created: recorded.created,
    event: upcasters.upcast<E>(recorded.type, recorded.data, metadata.schemaVersion),
    metadata,
  };
}
