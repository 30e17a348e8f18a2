import { activeTraceparent } from '@app/tracing';

/** Metadata stored with every event (R21: who, when, in which flow). Never secrets. */
export interface EventMetadata {
  readonly correlationId: string;
  readonly causationId: string;
  /** A user id, or `system` for reactions and scheduled work. */
  readonly actor: string;
  /** The organization the event belongs to, when it belongs to one. */
  readonly tenant?: string;
  readonly schemaVersion: number;
  readonly commandId: string;
  /** Digest of what the command asked: the same id with another fingerprint is a reused id, not a retry. */
  readonly commandFingerprint?: string;
  /** R19: the actor acted as an Admin through this parent organization's customers.manage. */
  readonly actingVia?: string;
  /** The W3C trace context the command ran in, when traced: the relay carries it on to Kafka. */
  readonly traceparent?: string;
  /** The event's link in its stream's hash chain (`chainHashOf`); absent on events written before chains. */
  readonly chainHash?: string;
}

/** What a caller knows about the command it is running; the rest of the metadata is derived. */
export interface CommandContext {
  readonly commandId: string;
  readonly actor: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly tenant?: string;
  /** See EventMetadata.commandFingerprint (e.g. `commandFingerprint(request)`). */
  readonly fingerprint?: string;
  /** See EventMetadata.actingVia. */
  readonly actingVia?: string;
}

export const SYSTEM_ACTOR = 'system';

export function metadataFor(context: CommandContext, schemaVersion: number): EventMetadata {
  return {
    correlationId: context.correlationId ?? context.commandId,
    causationId: context.causationId ?? context.commandId,
    actor: context.actor,
    ...(context.tenant === undefined ? {} : { tenant: context.tenant }),
    schemaVersion,
    commandId: context.commandId,
    ...(context.fingerprint === undefined ? {} : { commandFingerprint: context.fingerprint }),
    ...(context.actingVia === undefined ? {} : { actingVia: context.actingVia }),
    ...traced(),
  };
}

export function isEventMetadata(value: unknown): value is EventMetadata {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.correlationId === 'string' && typeof m.actor === 'string' && typeof m.schemaVersion === 'number'
  );
}

function traced(): { traceparent?: string } {
  const traceparent = activeTraceparent();
  return traceparent ? { traceparent } : {};
}
