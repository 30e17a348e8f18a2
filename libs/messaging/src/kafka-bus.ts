import { withTraceHeaders } from './trace-headers';
import { recordConsumed, recordConsumerCrash, recordConsumerStarted } from './consumer-metrics';
import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Consumer,
  type ConsumerRunConfig,
  type Producer,
  type IHeaders,
  type SASLOptions,
} from 'kafkajs';
import { deliverWithRetries, retryPolicy } from './deliver-with-retries';
import { isRecordTooLarge } from './dependency-outage';
import { handleInKeyedLanes } from './keyed-lanes';
import { SetAsideRetries } from './set-aside-retries';
import { RememberedPositions } from './remembered-positions';
import {
  dlqTopic,
  type BusMessage,
  type MessageBus,
  type SubscribeOptions,
  type Subscription,
  type TopicSpec,
} from './message-bus';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** How many partitions one subscriber handles at once. */
  readonly partitionsConsumedConcurrently?: number;
  /** How many messages of one partition are handled at once, each key still strictly in order (default 16). */
  readonly keyConcurrency?: number;
  /** How long `subscribe` waits for the consumer to join its group and fetch before it resolves anyway (default 60 s). */
  readonly joinTimeoutMs?: number;
  /** How long the group waits for a silent member before it takes its partitions away (default 30 s). */
  readonly sessionTimeoutMs?: number;
  /** TLS towards the brokers: `{}` for a public CA, `{ ca }` for a private one. Absent: plaintext. */
  readonly ssl?: { readonly ca?: string };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
  /** For topics created without their own (default 3 partitions, replication factor 1). */
  readonly topicDefaults?: { readonly partitions: number; readonly replicationFactor: number };
  /** Told when a consumer stops on an error (kafkajs logs nothing here), before it is started again. */
  readonly onConsumerCrash?: (crash: ConsumerCrash) => void;
  /** The first pause before the bus starts a consumer kafkajs gave up on again; doubled per crash, up to 30 s (1 s). */
  readonly consumerRestartMs?: number;
}

export interface ConsumerCrash {
  readonly groupId: string;
  readonly error: Error;
  /** kafkajs restarts after a retriable error; after any other, the bus does, in `restartInMs`. */
  readonly restartedBy: 'kafkajs' | 'bus';
  readonly restartInMs?: number;
}

/**
 * The bus on Apache Kafka through kafkajs. We use kafkajs directly rather than Nest's Kafka transport because the
 * guarantees we need are not all there: Nest's transport has no bounded retry or dead-letter topic and commits on its
 * own schedule. Here offsets are resolved only after a message's handler (or its DLQ write) finished, and kafkajs
 * commits resolved offsets only.
 */
export class KafkaBus implements MessageBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private producer: Producer;
  private connected: Promise<void> | undefined;
  /** Whether a connection was ever attempted: close() then disconnects, even after a failed attempt was forgotten. */
  private everConnected = false;
  private readonly retiring = new Set<Promise<void>>();
  private readonly consumers = new Set<Subscription>();

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      ...(options.ssl ? { ssl: options.ssl.ca ? { ca: [options.ssl.ca] } : true } : {}),
      ...(options.sasl ? { sasl: { ...options.sasl } as SASLOptions } : {}),
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 8 },
    });
    this.admin = this.kafka.admin();
    this.producer = this.newProducer();
  }

  /** Idempotent producer with acks=all: a retried send never duplicates or reorders within a partition. */
  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Connects once; a failed attempt is forgotten, so the next call tries again (the broker may be back). */
  private connect(): Promise<void> {
    this.everConnected = true;
    this.connected ??= Promise.all([this.admin.connect(), this.producer.connect()]).then(
      () => undefined,
      (error: unknown) => {
        this.connected = undefined;
        throw error;
      },
    );
    return this.connected;
  }

  /**
   * After a failed send the producer is replaced by a fresh one. kafkajs' producer does not always recover by itself
   * once the broker was away (a severed connection, or an idempotent session the broker no longer knows), and every
   * later publish of this process would fail with it. The failed send is the caller's to retry; consumers dedupe.
   */
  private replaceProducer(): void {
    const failed = this.producer;
    this.producer = this.newProducer();
    this.connected = undefined;
    const retired = failed.disconnect().catch(() => undefined);
    this.retiring.add(retired);
    void retired.finally(() => this.retiring.delete(retired));
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    await this.connect();
    const existing = new Set(await this.admin.listTopics());
    const missing = specs
      // A dead-letter topic has settings of its own, never its topic's (a compacted topic's DLQ is not compacted).
      .flatMap((s) => [s, { ...s, topic: dlqTopic(s.topic), config: s.dlqConfig ?? {} }])
      .filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions ?? this.options.topicDefaults?.partitions ?? 3,
        replicationFactor: s.replicationFactor ?? this.options.topicDefaults?.replicationFactor ?? 1,
        configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  }

  /**
   * Publishes that arrive while a send is in flight are coalesced into the next send, so many small publishes cost
   * one produce request instead of queueing one by one behind the single in-flight request the idempotent producer
   * allows. Sends stay sequential, so order per key holds; each caller resolves when its own batch is acknowledged.
   */
  publish(published: readonly BusMessage[]): Promise<void> {
    if (published.length === 0) return Promise.resolve();
    const messages = withTraceHeaders(published);
    return new Promise<void>((resolve, reject) => {
      this.pendingSend.push({ messages, resolve, reject });
      if (!this.sending) this.sending = this.drainSends();
    });
  }

  private readonly pendingSend: {
    messages: readonly BusMessage[];
    resolve: () => void;
    reject: (error: unknown) => void;
  }[] = [];
  private sending: Promise<void> | undefined;

  private async drainSends(): Promise<void> {
    try {
      await this.connect();
      while (this.pendingSend.length > 0) {
        const batch = this.pendingSend.splice(0, this.pendingSend.length);
        try {
          await this.send(batch.flatMap((b) => b.messages));
          for (const b of batch) b.resolve();
        } catch (error) {
          // The broker refused a record as too large, and kafkajs fails the whole request with it: each publish is
          // sent again on its own, so only the one with that record is refused (the others may land twice).
          if (batch.length > 1 && isRecordTooLarge(error)) await this.sendEachAlone(batch);
          else for (const b of batch) b.reject(error);
        }
      }
    } catch (error) {
      for (const b of this.pendingSend.splice(0, this.pendingSend.length)) b.reject(error);
    } finally {
      this.sending = undefined;
    }
  }

  private async sendEachAlone(batch: typeof this.pendingSend): Promise<void> {
    for (const b of batch) {
      try {
        await this.send(b.messages);
        b.resolve();
      } catch (error) {
        b.reject(error);
      }
    }
  }

  /**
   * Sends in order, in requests of at most MAX_REQUEST_BYTES: publishes coalesced under a burst (or one large one)
   * would otherwise exceed the broker's limit on a partition's batch (`message.max.bytes`, 1 MiB by default) and be
   * refused whole. A message larger than that goes alone; its topic must allow it.
   */
  private async send(messages: readonly BusMessage[]): Promise<void> {
    let chunk: BusMessage[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = approximateRecordBytes(message);
      if (chunk.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
        await this.sendRequest(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(message);
      bytes += size;
    }
    if (chunk.length > 0) await this.sendRequest(chunk);
  }

  private async sendRequest(messages: readonly BusMessage[]): Promise<void> {
    const byTopic = new Map<string, { key: string; value: Buffer | null; headers: IHeaders }[]>();
    for (const m of messages) {
      const list = byTopic.get(m.topic) ?? [];
      list.push({ key: m.key, value: m.value, headers: { ...m.headers } });
      byTopic.set(m.topic, list);
    }
    await this.connect(); // a producer replaced after a failed send connects first
    try {
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
      });
    } catch (error) {
      this.replaceProducer();
      throw error;
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    await this.connect();
    const policy = retryPolicy(options.retry);
    const ephemeral = options.ephemeral === true;
    const consumer: Consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      // An ephemeral member is alone in its group: a short session only shortens how long a crashed one lingers.
      sessionTimeout: ephemeral ? 10_000 : (this.options.sessionTimeoutMs ?? 30_000),
      heartbeatInterval: ephemeral ? 1_000 : Math.min(3_000, (this.options.sessionTimeoutMs ?? 30_000) / 6),
      ...fetchSettings(options),
      retry: { retries: 10 },
    });
    let running = true;
    await consumer.connect();
    await consumer.subscribe({
      topics: [...options.topics],
      fromBeginning: ephemeral ? false : (options.fromBeginning ?? true),
    });
    const live = firstFetch(consumer, this.options.joinTimeoutMs ?? 60_000);
    const setAside = new SetAsideRetries();
    const positions = ephemeral ? new RememberedPositions() : undefined;
    if (positions) await this.rememberEnds(positions, options.topics);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // What this member remembered of partitions now another's would be about other deliveries when they return.
      setAside.forgetAllBut(payload.memberAssignment);
      if (!positions) return;
      // Emitted before the member's first fetch in its new generation: the seek applies to that fetch.
      try {
        for (const position of positions.within(payload.memberAssignment)) consumer.seek(position);
      } catch {
        // Stopping meanwhile (no group to seek in): the next run joins, and seeks, again.
      }
    });
    const runConfig: ConsumerRunConfig = {
      // Without an interval, kafkajs' commitOffsetsIfNecessary below never commits: an ephemeral group has no offsets.
      ...(ephemeral ? { autoCommit: false } : { autoCommit: true, autoCommitInterval: 200 }),
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        isRunning,
        isStale,
        commitOffsetsIfNecessary,
      }) => {
        // kafkajs heartbeats and commits only when asked. Within a long batch handled in lanes, ask every second (one
        // request at a time), whether or not messages finish: a member silent past the session timeout would be
        // evicted and go on working beside the partition's new owner, and what it finished would be delivered again.
        // A failed heartbeat or commit (a rebalance) stops the batch; what was committed up to then stays.
        let lastBeat = Date.now();
        let beating: Promise<void> | undefined;
        let evicted = false;
        const keepAlive = () => {
          if (beating || Date.now() - lastBeat < 1_000) return;
          lastBeat = Date.now();
          beating = (async () => {
            await commitOffsetsIfNecessary();
            await heartbeat();
          })()
            .catch(() => {
              evicted = true;
            })
            .finally(() => {
              beating = undefined;
            });
        };
        const consuming = () => running && !evicted && isRunning() && !isStale();
        const deadLettered = new Set<string>();
        const highWatermark = Number(batch.highWatermark);
        const beat = setInterval(keepAlive, 1_000);
        const finished = new Set<string>();
        let setAsideHere = false;
        try {
          const committable = await handleInKeyedLanes(
            batch.messages,
            (message) => message.key?.toString('utf8') ?? '',
            async (message) => {
              if (!consuming()) return false;
              const at = { topic: batch.topic, partition: batch.partition, offset: message.offset };
              if (setAside.takeFinished(at)) {
                finished.add(message.offset);
                return true;
              }
              const received = {
                topic: batch.topic,
                partition: batch.partition,
                offset: message.offset,
                key: message.key?.toString('utf8') ?? '',
                value: message.value ?? Buffer.alloc(0),
                headers: decodeHeaders(message.headers),
              };
              const done = await deliverWithRetries(received, options.handler, policy, {
                publishToDlq: (m) => this.publish([m]),
                isRunning: consuming,
                heartbeat,
                onDeadLettered: () => deadLettered.add(message.offset),
                group: options.groupId,
                progressBefore: setAside.takeProgress(at),
                // Through the consumer, not the batch's own pause: that acts on the group of this run only, and a
                // restarted consumer (a new run) would keep the partition paused for good.
                setAside: (progress, retryInMs) => {
                  const aside =
                    consuming() &&
                    setAside.setAside(at, progress, retryInMs, () => pausePartition(consumer, at));
                  setAsideHere ||= aside;
                  return aside;
                },
              });
              if (done) finished.add(message.offset);
              return done;
            },
            {
              concurrency: options.keyConcurrency ?? this.options.keyConcurrency ?? 16,
              // Offsets are resolved in order, up to the lowest message not yet done: a crash redelivers from there.
              onCommittable: (index) => {
                const { offset } = batch.messages[index]!;
                resolveOffset(offset);
                positions?.handled(batch.topic, batch.partition, offset);
                const remaining = highWatermark - Number(offset) - 1;
                recordConsumed(
                  options.groupId,
                  batch.topic,
                  batch.partition,
                  remaining,
                  deadLettered.has(offset),
                );
                keepAlive();
              },
            },
          );
          // What was done behind a message set aside comes again with the partition's next fetch: taken as done then.
          if (setAsideHere)
            setAside.rememberFinished(
              batch.topic,
              batch.partition,
              batch.messages.slice(committable).flatMap((m) => (finished.has(m.offset) ? [m.offset] : [])),
            );
        } finally {
          clearInterval(beat);
        }
        await beating;
        await commitOffsetsIfNecessary();
        await heartbeat();
      },
    };
    const restarts = this.restartAfterCrashes(consumer, runConfig, options.groupId, () => running);
    await consumer.run(runConfig);
    const subscription: Subscription = {
      close: async () => {
        if (!this.consumers.delete(subscription)) return;
        running = false;
        setAside.close();
        await restarts.stop();
        // disconnect waits for the in-flight batch, then commits resolved offsets and leaves the group.
        await consumer.disconnect();
        if (ephemeral) await this.admin.deleteGroups([options.groupId]).catch(() => undefined); // else dropped later
      },
    };
    this.consumers.add(subscription);
    // run() returns before the group is joined and the positions are resolved. Waiting for the first fetch means a
    // started service is consuming: nothing published from here on is skipped, or waits for a rebalance.
    await live;
    return subscription;
  }

  /**
   * Where each partition of `topics` ends now, as where an ephemeral member starts. A topic just created may not have
   * its leaders yet: asked again a few times, then left unknown (a rejoin before anything was done there starts at
   * the newest message, as kafkajs would).
   */
  private async rememberEnds(positions: RememberedPositions, topics: readonly string[]): Promise<void> {
    for (const topic of topics)
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          for (const { partition, high } of await this.admin.fetchTopicOffsets(topic))
            positions.startAt(topic, partition, high);
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        }
      }
  }

  /**
   * kafkajs starts a crashed consumer again only after an error it deems retriable; after any other it leaves it
   * stopped, and the service would go on without consuming, unnoticed. The bus starts it again then, after a pause
   * that doubles while it keeps crashing (as a pod restart would, without losing the rest of the service).
   */
  private restartAfterCrashes(
    consumer: Consumer,
    runConfig: ConsumerRunConfig,
    groupId: string,
    running: () => boolean,
  ): { stop(): Promise<void> } {
    recordConsumerStarted(groupId);
    const firstPauseMs = this.options.consumerRestartMs ?? 1_000;
    let pauseMs = firstPauseMs;
    let lastCrashAt = 0;
    let timer: NodeJS.Timeout | undefined;
    let restarting: Promise<void> | undefined;
    const restart = async () => {
      timer = undefined;
      if (!running()) return;
      try {
        await consumer.connect();
        // Closed while connecting: close() disconnects once this is over, so no consumer outlives it.
        if (running()) await consumer.run(runConfig);
      } catch (error) {
        onCrash({ payload: { error: error as Error, restart: false } });
      }
    };
    const onCrash = ({ payload }: { payload: { error: Error; restart: boolean } }) => {
      const restartedBy = payload.restart ? 'kafkajs' : 'bus';
      recordConsumerCrash(groupId, restartedBy);
      // A crash after a minute without one is a new one, restarted after the first pause; a crash loop backs off.
      if (Date.now() - lastCrashAt > 60_000) pauseMs = firstPauseMs;
      lastCrashAt = Date.now();
      if (restartedBy === 'bus' && running() && !timer) {
        this.options.onConsumerCrash?.({ groupId, error: payload.error, restartedBy, restartInMs: pauseMs });
        timer = setTimeout(() => {
          const current = restart();
          restarting = current;
          void current.finally(() => {
            if (restarting === current) restarting = undefined;
          });
        }, pauseMs);
        pauseMs = Math.min(30_000, pauseMs * 2);
      } else this.options.onConsumerCrash?.({ groupId, error: payload.error, restartedBy });
    };
    const stopCrashes = consumer.on(consumer.events.CRASH, onCrash);
    return {
      stop: async () => {
        clearTimeout(timer);
        stopCrashes();
        await restarting;
      },
    };
  }

  async ping(): Promise<void> {
    await this.connect();
    await this.admin.describeCluster();
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((s) => s.close()));
    if (this.everConnected) {
      await this.connected?.catch(() => undefined);
      await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect(), ...this.retiring]);
    }
  }
}

/** Pauses one partition on whichever run of the consumer is current; answers the resume, for the run current then. */
function pausePartition(
  consumer: Consumer,
  { topic, partition }: { topic: string; partition: number },
): (() => void) | undefined {
  try {
    consumer.pause([{ topic, partitions: [partition] }]);
  } catch {
    return undefined; // not running: the message waits in place, as it did before
  }
  return () => {
    try {
      consumer.resume([{ topic, partitions: [partition] }]);
    } catch {
      // Not running (closed, or between a crash and its restart): a new run starts with nothing paused.
    }
  };
}

/** Bytes a gathering subscriber's fetch waits for (at most its `gatherMs`): a few hundred events of ours. */
const GATHER_BYTES = 64 * 1024;

/** Heartbeats go between fetches: a longer hold would delay them towards the session timeout. */
const MAX_GATHER_MS = 1_000;

/**
 * How a subscriber's fetches wait at the broker. By default a fetch is answered once one message is there, and an
 * empty one after 100 ms (the idle poll). A gathering subscriber's fetch waits for GATHER_BYTES or its `gatherMs`
 * (from 1 ms: at 0 an idle consumer would fetch in a tight loop; up to MAX_GATHER_MS).
 */
export function fetchSettings(options: Pick<SubscribeOptions, 'gatherMs'>): {
  minBytes?: number;
  maxWaitTimeInMs: number;
} {
  const { gatherMs } = options;
  if (gatherMs === undefined) return { maxWaitTimeInMs: 100 };
  if (!Number.isInteger(gatherMs) || gatherMs < 1 || gatherMs > MAX_GATHER_MS)
    throw new RangeError(
      `gatherMs must be a whole number of milliseconds from 1 to ${MAX_GATHER_MS}: ${gatherMs}`,
    );
  return { minBytes: GATHER_BYTES, maxWaitTimeInMs: gatherMs };
}

/** Below the broker's default `message.max.bytes` (1 MiB), with room for the batch's own framing. */
const MAX_REQUEST_BYTES = 900 * 1024;

function approximateRecordBytes(message: BusMessage): number {
  let bytes = 64 + Buffer.byteLength(message.key) + (message.value?.length ?? 0);
  for (const [name, value] of Object.entries(message.headers))
    bytes += name.length + Buffer.byteLength(value) + 2;
  return bytes;
}

/**
 * Resolves after the consumer's first fetch (it joined its group and resolved the positions of its partitions), or
 * after `timeoutMs` regardless.
 */
function firstFetch(consumer: Consumer, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const stopListening = consumer.on(consumer.events.FETCH, done);
    function done() {
      clearTimeout(timer);
      stopListening();
      resolve();
    }
  });
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
