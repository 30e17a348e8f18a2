/** A message as both bus implementations carry it: Kafka's record model (topic, key, headers, bytes). */
export interface BusMessage {
  readonly topic: string;
  /** Partitioning key (the aggregate id): messages with one key keep their order. */
  readonly key: string;
  readonly headers: Readonly<Record<string, string>>;
  /** `null` is a tombstone: on a compacted topic, the key's earlier messages go (state topics, docs/contracts.md). */
  readonly value: Buffer | null;
}

export interface ReceivedMessage extends BusMessage {
  /** A tombstone arrives empty: the platform's own consumers never read a compacted topic. */
  readonly value: Buffer;
  readonly partition: number;
  readonly offset: string;
  /** 1 on first delivery, then 2, 3 ... while the handler keeps failing. */
  readonly attempt: number;
}

export interface TopicSpec {
  readonly topic: string;
  /** Default: the bus's (on Kafka, KAFKA_TOPIC_PARTITIONS). */
  readonly partitions?: number;
  /** Default: the bus's (on Kafka, KAFKA_TOPIC_REPLICATION_FACTOR). */
  readonly replicationFactor?: number;
  /** Topic-level settings, e.g. `{ 'retention.ms': '60000' }`. */
  readonly config?: Readonly<Record<string, string>>;
  /** Its `<topic>.dlq`'s settings (default: the broker's, whatever the topic's own). */
  readonly dlqConfig?: Readonly<Record<string, string>>;
}

export interface RetryPolicy {
  /** Deliveries before the message goes to `<topic>.dlq` (including the first). */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /**
   * Lost races for a stream (`isContention`) tried again before they count as attempts: a conflict that never clears
   * (a state that cannot catch up with its stream) is a fault after all. At the default backoff, about an hour.
   */
  readonly contendedAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  contendedAttempts: 1_000,
};

export type MessageHandler = (message: ReceivedMessage) => Promise<void>;

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handler: MessageHandler;
  readonly retry?: Partial<RetryPolicy>;
  /** Where a group with no committed offset starts: the earliest message (default) or only new ones. */
  readonly fromBeginning?: boolean;
  /**
   * A group of one instance that commits no offsets and starts at new messages (a requester's replies): nothing of it
   * outlives the instance. After a rejoin or a restarted consumer it goes on where it was (it seeks there). Closing
   * deletes the group; after a crash the broker drops it, empty and offset-less, at its next offsets-retention check.
   */
  readonly ephemeral?: boolean;
  /** How many messages of one partition this subscriber handles at once (each key still in order); the bus's default. */
  readonly keyConcurrency?: number;
  /**
   * For a subscriber no request waits on (a reaction, a notice): how long (1 to 1,000 ms) the broker may hold a fetch
   * to gather more messages. Under load that makes far fewer, larger fetches, each of which costs this process and the
   * broker about the same; below 64 KiB of messages per hold, a message waits up to this long (reactions to reactions
   * add up). Unset: a fetch is answered as soon as a message is there. The in-process bus hands every message over at
   * once and ignores it.
   */
  readonly gatherMs?: number;
}

/** What a reaction or a notice may wait to be gathered with others (SubscribeOptions.gatherMs). */
export const REACTION_GATHER_MS = 100;

export interface Subscription {
  /** Stops taking messages, lets the in-flight handlers finish, commits what finished in order, leaves the group. */
  close(): Promise<void>;
}

/**
 * The one messaging port the services use. Guarantees, for every implementation: consumer groups; per-key order;
 * at-least-once; an offset is committed only once its message and every one before it in the partition finished; the
 * messages of one key are handled one after another, those of different keys of a partition side by side (16 at
 * most); bounded retries with backoff, then `<topic>.dlq` (committed only after the DLQ write succeeded); a
 * bad message never stops the consumer.
 */
export interface MessageBus {
  readonly kind: 'kafka' | 'in-process';
  /** Creates topics (and their `.dlq`) that do not exist yet. Topics are never auto-created by publishing. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Resolves once the broker acknowledged every message (acks=all). */
  publish(messages: readonly BusMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Cheap liveness check of the broker connection, for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

export const DLQ_HEADERS = {
  error: 'dlq_error',
  attempts: 'dlq_attempts',
  originalTopic: 'dlq_original_topic',
  originalPartition: 'dlq_original_partition',
  originalOffset: 'dlq_original_offset',
  failedAt: 'dlq_failed_at',
  /** Set when the dead letter goes without the message's value, which the DLQ could not take: its size in bytes. */
  valueOmitted: 'dlq_value_omitted',
  /** Set when, without its value, it was still too large, and goes without the message's own headers too: how many. */
  headersOmitted: 'dlq_headers_omitted',
} as const;
