import { type RecordedDomainEvent } from '@app/event-store';
import { type BusMessage } from '@app/messaging';

/** Test mapping: one message per event, keyed by aggregate id, carrying the event id and revision as headers. */
export function toTestMessages(topic: string) {
  return (events: readonly RecordedDomainEvent[]): BusMessage[] =>
    events.map((e) => ({
      topic,
      key: e.streamName,
      headers: { ce_id: e.id, ce_revision: e.revision.toString() },
      value: Buffer.from(JSON.stringify(e.event.data)),
    }));
}
