import { withTraceHeaders } from './trace-headers';
import { recordConsumed } from './consumer-metrics';
import { deliverWithRetries, retryPolicy } from './deliver-with-retries';
import { handleInKeyedLanes } from './keyed-lanes';

/** At most this many records are taken from a partition at once, as a fetch would. */
const MAX_BATCH = 500;
import {
  dlqTopic,
  type BusMessage,
  type MessageBus,
  type RetryPolicy,
  type SubscribeOptions,
  type Subscription,
  type TopicSpec,
} from './message-bus';

interface StoredRecord {
  readonly key: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Buffer;
  /** When it was appended (epoch ms): retention counts from it. */
  readonly appendedAt: number;
}

/** A broker's default retention (Kafka's `log.retention.hours` of a week), for topics that set none. */
const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * How long a partition keeps its records, from a topic's settings as Kafka reads them: `retention.ms` (a week when
 * unset), or, with `cleanup.policy=compact`, the latest record of each key (a tombstone, an empty value, included).
 * What it no longer keeps no consumer reads, new or behind: an erased person's messages do not outlive the topic's
 * retention here either, nor does the embedded process keep every message it ever carried.
 */
export interface Retention {
  readonly ms: number;
  readonly compact: boolean;
}

export function retentionOf(config: Readonly<Record<string, string>> | undefined): Retention {
  const compact = (config?.['cleanup.policy'] ?? '').split(',').includes('compact');
  const ms = Number(config?.['retention.ms']);
  return { compact, ms: Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_RETENTION_MS };
}

class Partition {
  /**
   * Records from offset `start` on, the first `head` of them no longer kept (cleared, and cut off now and then); one
   * compacted away leaves a hole, so offsets stay where they were.
   */
  private records: (StoredRecord | undefined)[] = [];
  private start = 0;
  private head = 0;
  /** Compacted topics: where each key's latest record is. */
  private readonly latest = new Map<string, number>();
  private waiters: (() => void)[] = [];

  constructor(
    private readonly retention: Retention,
    private readonly now: () => number,
  ) {}

  /** The offset the next record gets. */
  get end(): number {
    return this.start + this.records.length;
  }

  append(record: Omit<StoredRecord, 'appendedAt'>): void {
    const offset = this.end;
    this.records.push({ ...record, appendedAt: this.now() });
    if (this.retention.compact) {
      const earlier = this.latest.get(record.key);
      if (earlier !== undefined) this.records[earlier - this.start] = undefined;
      this.latest.set(record.key, offset);
    }
    this.expire();
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Up to `max` records from `offset` on (from the first one kept, when `offset` is no longer: Kafka's reset to the
   * earliest), each with its offset, and the offset after the last one looked at.
   */
  read(offset: number, max: number): { records: { record: StoredRecord; at: number }[]; next: number } {
    this.expire();
    const records: { record: StoredRecord; at: number }[] = [];
    let at = Math.max(offset, this.start + this.head);
    for (; at < this.end && records.length < max; at++) {
      const record = this.records[at - this.start];
      if (record) records.push({ record, at });
    }
    return { records, next: at };
  }

  /** Resolves when a record at `offset` exists or `cancel` fires. */
  waitFor(offset: number, cancelled: Promise<void>): Promise<void> {
    if (this.end > offset) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => this.waiters.push(resolve)), cancelled]);
  }

  /** Lets go, from the front, of the holes and (unless compacted) the records older than the retention. */
  expire(): void {
    const oldest = this.now() - this.retention.ms;
    for (; this.head < this.records.length; this.head++) {
      const record = this.records[this.head];
      if (record && (this.retention.compact || record.appendedAt > oldest)) break;
      this.records[this.head] = undefined;
    }
    if (this.head < 1024 || this.head * 2 < this.records.length) return;
    this.records = this.records.slice(this.head);
    this.start += this.head;
    this.head = 0;
  }
}

interface PartitionWorker {
  readonly topic: string;
  readonly partition: number;
  stop(): Promise<void>;
}

class Member {
  readonly workers = new Map<string, PartitionWorker>();
  constructor(
    readonly options: SubscribeOptions,
    readonly policy: RetryPolicy,
  ) {}
}

class ConsumerGroup {
  readonly members: Member[] = [];
  readonly committed = new Map<string, number>();
  readonly owner = new Map<string, Member>();
  /** A partition's previous worker, which its next owner waits for so no message is handled twice at once. */
  readonly stopping = new Map<string, Promise<void>>();
}

/**
 * The embedded bus: Kafka's model (topics with partitions, keys, consumer groups, committed offsets) in memory, with
 * the same delivery guarantees as the Kafka bus. One instance per process connects every service in it.
 */
export class InProcessBus implements MessageBus {
  readonly kind = 'in-process' as const;
  private readonly topics = new Map<string, Partition[]>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly subscriptions = new Set<Subscription>();

  /**
   * As the Kafka bus: how many messages of one partition are handled at once, each key strictly in order. `now`
   * dates records for their topic's retention.
   */
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly keyConcurrency = 16,
    private readonly now: () => number = Date.now,
    /** How often partitions nobody writes to or reads let go of what their retention no longer keeps. */
    sweepEveryMs = 60_000,
  ) {
    this.sweeper = setInterval(() => {
      for (const partitions of this.topics.values()) for (const partition of partitions) partition.expire();
    }, sweepEveryMs);
    this.sweeper.unref();
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      const topics: [string, Readonly<Record<string, string>> | undefined][] = [
        [spec.topic, spec.config],
        [dlqTopic(spec.topic), spec.dlqConfig],
      ];
      for (const [name, config] of topics) {
        if (!this.topics.has(name)) {
          const retention = retentionOf(config);
          this.topics.set(
            name,
            Array.from(
              { length: Math.max(1, spec.partitions ?? 3) },
              () => new Partition(retention, this.now),
            ),
          );
        }
      }
    }
  }

  async publish(published: readonly BusMessage[]): Promise<void> {
    const messages = withTraceHeaders(published);
    const targets = messages.map((m) => {
      const partitions = this.topics.get(m.topic);
      if (!partitions)
        throw new Error(`unknown topic ${m.topic}: topics are created at start-up, not on publish`);
      return partitions[partitionOf(m.key, partitions.length)]!;
    });
    // All or nothing, like one acknowledged produce request.
    messages.forEach((m, i) =>
      targets[i]!.append({ key: m.key, headers: { ...m.headers }, value: m.value ?? Buffer.alloc(0) }),
    );
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    for (const topic of options.topics) {
      if (!this.topics.has(topic)) throw new Error(`unknown topic ${topic}`);
    }
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new ConsumerGroup();
      this.groups.set(options.groupId, group);
      if (options.fromBeginning === false || options.ephemeral) {
        for (const topic of options.topics) {
          this.topics.get(topic)!.forEach((p, i) => group!.committed.set(`${topic}/${i}`, p.end));
        }
      }
    }
    const member = new Member(options, retryPolicy(options.retry));
    group.members.push(member);
    this.rebalance(group);
    const subscription: Subscription = {
      close: async () => {
        if (!this.subscriptions.delete(subscription)) return;
        group!.members.splice(group!.members.indexOf(member), 1);
        const stops = [...member.workers.values()].map((w) => w.stop());
        member.workers.clear();
        for (const [tp, owner] of group!.owner) if (owner === member) group!.owner.delete(tp);
        await Promise.all(stops);
        if (options.ephemeral && group!.members.length === 0) this.groups.delete(options.groupId);
        else this.rebalance(group!);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }

  /** Round-robin assignment of every partition of the group's topics over its members, in join order. */
  private rebalance(group: ConsumerGroup): void {
    const wanted = new Map<string, Member>();
    const topics = [...new Set(group.members.flatMap((m) => m.options.topics))].sort();
    let next = 0;
    for (const topic of topics) {
      const partitions = this.topics.get(topic)!;
      for (let p = 0; p < partitions.length; p++) {
        const candidates = group.members.filter((m) => m.options.topics.includes(topic));
        if (candidates.length === 0) continue;
        wanted.set(`${topic}/${p}`, candidates[next++ % candidates.length]!);
      }
    }
    for (const [tp, owner] of group.owner) {
      if (wanted.get(tp) !== owner) {
        const worker = owner.workers.get(tp);
        owner.workers.delete(tp);
        group.owner.delete(tp);
        if (worker) group.stopping.set(tp, worker.stop());
      }
    }
    for (const [tp, member] of wanted) {
      if (group.owner.get(tp) === member) continue;
      group.owner.set(tp, member);
      const [topic, partition] = splitTopicPartition(tp);
      member.workers.set(tp, this.startWorker(group, member, topic, partition));
    }
  }

  private startWorker(
    group: ConsumerGroup,
    member: Member,
    topic: string,
    partitionNo: number,
  ): PartitionWorker {
    const tp = `${topic}/${partitionNo}`;
    const partition = this.topics.get(topic)![partitionNo]!;
    let running = true;
    let cancel!: () => void;
    const cancelled = new Promise<void>((resolve) => (cancel = resolve));
    const previous = group.stopping.get(tp) ?? Promise.resolve();
    const loop = (async () => {
      await previous;
      while (running) {
        const offset = group.committed.get(tp) ?? 0;
        await partition.waitFor(offset, cancelled);
        if (!running) break;
        // What is there now, as a Kafka fetch would return it: each key in order, keys side by side.
        const { records: batch, next } = partition.read(offset, MAX_BATCH);
        if (batch.length === 0) {
          // Only what the topic no longer keeps was there: nothing to hand over, and nothing to come back to.
          group.committed.set(tp, next);
          continue;
        }
        const deadLettered = new Set<number>();
        const done = await handleInKeyedLanes(
          batch,
          (m) => m.record.key,
          async (m) =>
            running &&
            deliverWithRetries(
              { topic, partition: partitionNo, offset: String(m.at), ...m.record },
              member.options.handler,
              member.policy,
              {
                publishToDlq: (dlq) => this.publish([dlq]),
                isRunning: () => running,
                onDeadLettered: () => deadLettered.add(m.at),
                group: member.options.groupId,
              },
            ),
          {
            concurrency: member.options.keyConcurrency ?? this.keyConcurrency,
            onCommittable: (index) => {
              const { at } = batch[index]!;
              // Past the last of the batch: the holes after it were looked at too.
              group.committed.set(tp, index === batch.length - 1 ? next : at + 1);
              const groupId = member.options.groupId;
              recordConsumed(groupId, topic, partitionNo, partition.end - at - 1, deadLettered.has(at));
            },
          },
        );
        if (done < batch.length) break;
      }
    })();
    return {
      topic,
      partition: partitionNo,
      stop: async () => {
        running = false;
        cancel();
        await loop;
      },
    };
  }
}

function splitTopicPartition(tp: string): [string, number] {
  const at = tp.lastIndexOf('/');
  return [tp.slice(0, at), Number(tp.slice(at + 1))];
}

/** FNV-1a over the key's UTF-8 bytes: stable across processes, so one key always lands on one partition. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

let shared: InProcessBus | undefined;

/**
 * The process-wide bus of the embedded default, so services started in one process reach each other. The first caller
 * sets its key concurrency: every service of a process reads it from the same `KAFKA_KEY_CONCURRENCY`.
 */
export function sharedInProcessBus(keyConcurrency?: number): InProcessBus {
  shared ??= new InProcessBus(keyConcurrency);
  return shared;
}
