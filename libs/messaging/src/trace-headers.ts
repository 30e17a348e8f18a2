import { activeTraceparent } from '@app/tracing';
import { type BusMessage } from './message-bus';

/**
 * Messages published with the trace they were published in: a `traceparent` header (W3C), unless the message carries
 * its own (a CloudEvent's `ce_traceparent`, set by the relay from the event's metadata).
 */
export function withTraceHeaders(messages: readonly BusMessage[]): readonly BusMessage[] {
  const traceparent = activeTraceparent();
  if (!traceparent) return messages;
  return messages.map((m) =>
    m.headers.traceparent || m.headers.ce_traceparent ? m : { ...m, headers: { ...m.headers, traceparent } },
  );
}

/** The trace a received message continues. */
export function traceparentOf(headers: Readonly<Record<string, string>>): string | undefined {
  return headers.ce_traceparent || headers.traceparent || undefined;
}
