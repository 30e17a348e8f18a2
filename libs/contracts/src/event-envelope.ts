/**
 * The public event envelope: CloudEvents 1.0, carried in Kafka binary mode (attributes as `ce_*` headers, the data as
 * the JSON body). Extensions carry who did it, in which flow and tenant, and the aggregate revision (R21).
 */
export interface EventEnvelope<Data = unknown> {
  readonly id: string;
  /** `<service>.<PastTenseEventName>.v<major>`, e.g. `membership.MemberRoleChanged.v1`. */
  readonly type: string;
  /** The producing service, e.g. `/identity-platform/membership`. */
  readonly source: string;
  /** The aggregate id (also the Kafka key). */
  readonly subject: string;
  readonly time: string;
  readonly specversion: '1.0';
  readonly datacontenttype: 'application/json';
  /** The absolute URI of the data's JSON Schema, served by the gateway (`<SCHEMA_BASE_URL>/schemas/<type>.json`). */
  readonly dataschema?: string;
  readonly correlationid: string;
  readonly causationid: string;
  /** A user id, or `system`. */
  readonly actor: string;
  readonly tenant?: string;
  /** R19: the actor acted as an Admin through this parent organization's `customers.manage`. */
  readonly actingvia?: string;
  /** The aggregate's stream revision after this event: consumers dedupe and order by it. */
  readonly revision: string;
  /** CloudEvents distributed-tracing extension: the W3C trace context the event was recorded in. */
  readonly traceparent?: string;
  readonly data: Data;
}

export interface KafkaRecordLike {
  readonly key: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Buffer;
}

const REQUIRED = [
  'id',
  'type',
  'source',
  'subject',
  'time',
  'specversion',
  'correlationid',
  'causationid',
  'actor',
  'revision',
] as const;

export class MalformedEnvelopeError extends Error {
  constructor(reason: string) {
    super(`malformed CloudEvents envelope: ${reason}`);
    this.name = 'MalformedEnvelopeError';
  }
}

export function encodeEnvelope(envelope: EventEnvelope): KafkaRecordLike {
  const headers: Record<string, string> = { 'content-type': envelope.datacontenttype };
  for (const name of REQUIRED) headers[`ce_${name}`] = String(envelope[name]);
  if (envelope.dataschema !== undefined) headers.ce_dataschema = envelope.dataschema;
  if (envelope.tenant !== undefined) headers.ce_tenant = envelope.tenant;
  if (envelope.actingvia !== undefined) headers.ce_actingvia = envelope.actingvia;
  if (envelope.traceparent !== undefined) headers.ce_traceparent = envelope.traceparent;
  return { key: envelope.subject, headers, value: Buffer.from(JSON.stringify(envelope.data)) };
}

export function decodeEnvelope(record: KafkaRecordLike): EventEnvelope {
  const h = record.headers;
  const missing = REQUIRED.filter((name) => !h[`ce_${name}`]);
  if (missing.length > 0)
    throw new MalformedEnvelopeError(`missing ${missing.map((m) => `ce_${m}`).join(', ')}`);
  if (h.ce_specversion !== '1.0')
    throw new MalformedEnvelopeError(`unsupported specversion ${h.ce_specversion}`);
  if (h['content-type'] && !h['content-type'].startsWith('application/json')) {
    throw new MalformedEnvelopeError(`unsupported content-type ${h['content-type']}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(record.value.toString('utf8'));
  } catch {
    throw new MalformedEnvelopeError('body is not JSON');
  }
  return {
    id: h.ce_id!,
    type: h.ce_type!,
    source: h.ce_source!,
    subject: h.ce_subject!,
    time: h.ce_time!,
    specversion: '1.0',
    datacontenttype: 'application/json',
    ...(h.ce_dataschema ? { dataschema: h.ce_dataschema } : {}),
    correlationid: h.ce_correlationid!,
    causationid: h.ce_causationid!,
    actor: h.ce_actor!,
    ...(h.ce_tenant ? { tenant: h.ce_tenant } : {}),
    ...(h.ce_actingvia ? { actingvia: h.ce_actingvia } : {}),
    revision: h.ce_revision!,
    ...(h.ce_traceparent ? { traceparent: h.ce_traceparent } : {}),
    data,
  };
}
