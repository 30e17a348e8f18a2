import { relayLag, relayPublished } from '@app/metrics';
import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  followAll,
  type CheckpointStore,
  type RecordedDomainEvent,
  type RunningSubscription,
  type StoredDataProtection,
  type Upcasters,
} from '@app/event-store';

export interface EventRelayOptions<Message> {
  /** Checkpoint name; one relay per write service (e.g. `membership-relay`). */
  readonly name: string;
  readonly client: EventStoreDBClient;
  readonly checkpoints: CheckpointStore;
  /** Aggregate stream prefixes this service owns, e.g. `['organization-']`. */
  readonly streamPrefixes: readonly string[];
  /** Maps recorded events to bus messages (topic, key = aggregate id, CloudEvents headers); may drop internal ones. */
  readonly toMessages: (events: readonly RecordedDomainEvent[]) => Message[];
  /** Must resolve only once the broker acknowledged every message (acks=all). */
  readonly publish: (messages: Message[]) => Promise<void>;
  readonly maxBatchSize?: number;
  readonly checkpointEveryMs?: number;
  readonly retryDelayMs?: number;
  readonly upcasters?: Upcasters;
  /** Opens sealed personal fields: the public events carry them as the contract says. */
  readonly protection?: StoredDataProtection;
  readonly onError?: (error: unknown) => void;
  readonly onPublished?: (count: number) => void;
}

/**
 * Publishes a write service's events from EventStoreDB to the bus, with no dual write: the service only appends to
 * the event store, and this follows it. The checkpoint advances only after the broker acknowledged a whole batch, so
 * killing the relay at any moment loses nothing; it may publish a batch twice, which consumers dedupe by event id and
 * aggregate revision. A failed publish is retried from the last handled position, never skipped.
 */
export function startEventRelay<Message>(options: EventRelayOptions<Message>): RunningSubscription {
  return followAll({
    name: options.name,
    client: options.client,
    checkpoints: options.checkpoints,
    filter: { streamPrefixes: options.streamPrefixes },
    maxBatchSize: options.maxBatchSize ?? 500,
    checkpointEveryMs: options.checkpointEveryMs ?? 200,
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(options.upcasters ? { upcasters: options.upcasters } : {}),
    ...(options.protection ? { protection: options.protection } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    handle: async (events) => {
      const messages = options.toMessages(events);
      if (messages.length > 0) await options.publish(messages);
      relayPublished.inc({ relay: options.name }, messages.length);
      const newest = events[events.length - 1]?.created;
      if (newest) relayLag.set({ relay: options.name }, Math.max(0, (Date.now() - newest.getTime()) / 1000));
      options.onPublished?.(messages.length);
    },
  });
}
