import { inSpan, SpanKind } from '@app/tracing';
import { commandDuration } from '@app/metrics';
import { randomUUID } from 'node:crypto';
import { type MessageBus, type ReceivedMessage, type Subscription } from './message-bus';
import { PoisonMessageError } from './poison-message-error';

export const REPLY_TO_HEADER = 'reply_to';
export const CORRELATION_ID_HEADER = 'correlation_id';
/** Epoch milliseconds after which the requester no longer waits for the reply (it has answered its caller). */
export const DEADLINE_HEADER = 'deadline';
/** How far the clocks of two hosts may disagree before a request is taken for expired too early. */
export const DEFAULT_DEADLINE_GRACE_MS = 5_000;

/** Set on a reply that says the request failed (an outage, a bug) rather than answering it: its body says nothing. */
export const REPLY_FAILED_HEADER = 'reply_failed';
/** Set on a request whose requester reads such replies (a requester from before them is never sent one). */
export const FAILURE_REPLIES_HEADER = 'failure_replies';

export class RequestTimeoutError extends Error {
  constructor(topic: string, timeoutMs: number) {
    super(`no reply on ${topic} within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** The service took the request and failed it (its reply says no more): it may be retried, with its command id. */
export class RequestFailedError extends Error {
  constructor() {
    super('the service failed the request');
    this.name = 'RequestFailedError';
  }
}

export interface RequestOptions {
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Pending {
  resolve: (reply: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Request/reply over the bus, for commands from the gateway (and identity's requests to membership). All instances of
 * a requester share one reply topic, `replies.<requester>`; each reads it in a group of its own that commits nothing
 * and starts at the newest message, and settles only the correlation ids it waits for. So nothing is created per
 * instance that could outlive it: the group goes when the instance goes (see `ephemeral`), and the topic's short
 * retention bounds the replies kept. The price is that every instance reads every reply of its requester, which is
 * cheap at the few replicas a requester runs. Requests are at-least-once: command ids make the handling idempotent.
 */
export class RequestReplyClient {
  private readonly pending = new Map<string, Pending>();
  private subscription: Subscription | undefined;

  private constructor(
    private readonly bus: MessageBus,
    readonly replyTopic: string,
  ) {}

  /** `requester` names the service (the reply topic); `instanceId` this process, unique among its replicas. */
  static async start(
    bus: MessageBus,
    requester: string,
    instanceId: string = randomUUID(),
  ): Promise<RequestReplyClient> {
    const replyTopic = replyTopicOf(requester);
    const client = new RequestReplyClient(bus, replyTopic);
    // Partitions and replication as configured for every topic: each command's answer depends on this one. Replies
    // carry tokens and secrets: kept ten minutes, and (Kafka deletes whole segments) rolled as often.
    const tenMinutes = { 'retention.ms': String(10 * 60_000), 'segment.ms': String(10 * 60_000) };
    await bus.ensureTopics([{ topic: replyTopic, config: tenMinutes, dlqConfig: tenMinutes }]);
    client.subscription = await bus.subscribe({
      groupId: `${replyTopic}.${safeName(instanceId)}`,
      topics: [replyTopic],
      ephemeral: true,
      retry: { maxAttempts: 1 },
      handler: async (message) => client.settle(message),
    });
    return client;
  }

  request<Reply = unknown>(
    topic: string,
    key: string,
    payload: unknown,
    options: RequestOptions = {},
  ): Promise<Reply> {
    const correlationId = randomUUID();
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const reply = new Promise<Reply>((resolve, reject) => {
      // Never given up before the deadline the request carries has passed by the clock (a timer can fire a little
      // early by it): a service finding the request then past it drops it, so "dropped undone" holds.
      const expire = () => {
        const waiting = this.pending.get(correlationId);
        if (!waiting) return;
        // Past it means after it: a service that looks in the same millisecond still takes the request as in time.
        const left = deadline - Date.now();
        if (left >= 0) {
          waiting.timer = setTimeout(expire, left + 1);
          return;
        }
        this.pending.delete(correlationId);
        reject(new RequestTimeoutError(topic, timeoutMs));
      };
      const timer = setTimeout(expire, timeoutMs);
      this.pending.set(correlationId, { resolve: resolve as (r: unknown) => void, reject, timer });
    });
    this.bus
      .publish([
        {
          topic,
          key,
          headers: {
            ...options.headers,
            [REPLY_TO_HEADER]: this.replyTopic,
            [CORRELATION_ID_HEADER]: correlationId,
            [DEADLINE_HEADER]: String(deadline),
            [FAILURE_REPLIES_HEADER]: '1',
            'content-type': 'application/json',
          },
          value: Buffer.from(JSON.stringify(payload)),
        },
      ])
      .catch((error: unknown) =>
        this.fail(correlationId, error instanceof Error ? error : new Error(String(error))),
      );
    return reply;
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    for (const [id] of this.pending) this.fail(id, new Error('request/reply client closed'));
  }

  private async settle(message: ReceivedMessage): Promise<void> {
    const id = message.headers[CORRELATION_ID_HEADER];
    const waiting = id ? this.pending.get(id) : undefined;
    if (!id || !waiting) return; // a late or duplicate reply: the requester already moved on
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    if (message.headers[REPLY_FAILED_HEADER] !== undefined) return waiting.reject(new RequestFailedError());
    try {
      waiting.resolve(JSON.parse(message.value.toString('utf8')));
    } catch {
      waiting.reject(new Error('reply is not JSON'));
    }
  }

  private fail(id: string, error: Error): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    waiting.reject(error);
  }
}

export interface ServeRequestsOptions {
  readonly groupId: string;
  readonly topic: string;
  /** Returns the reply. Refusals are replies too; a throw is a failure the bus retries and then dead-letters. */
  readonly handler: (payload: unknown, message: ReceivedMessage) => Promise<unknown>;
  /** Added to a request's deadline before it counts as expired (clock skew between hosts); default 5 s. */
  readonly deadlineGraceMs?: number;
  /** Told of each request dropped as expired, with how late it was: a steady stream of them means skewed clocks. */
  readonly onExpired?: (dropped: { readonly command: string; readonly lateMs: number }) => void;
  /**
   * Requests that take long and are safe to repeat (an import, under its key): handled beside the partition rather than
   * in it, so the requests behind them, of other keys, do not wait seconds on them. Such a request's message counts as
   * done once its handling starts, so the bus does not retry it: one that fails is answered as failed (its requester
   * then answers 503 at once, for a retry), and a crash meanwhile sends no reply (its requester times out).
   */
  readonly inBackground?: (payload: unknown) => boolean;
  /** How many requests run in the background at once; one more waits, in its partition, for a place (default 2). */
  readonly maxInBackground?: number;
  /**
   * Told of a request handled in the background that failed (its requester is told it failed, and nothing more), or
   * whose reply could not be sent.
   */
  readonly onBackgroundFailure?: (failure: { readonly command: string; readonly error: unknown }) => void;
}

export function replyTopicOf(requester: string): string {
  return `replies.${safeName(requester)}`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Serves requests from `topic` in a consumer group and publishes each reply to the requester's reply topic. A request
 * found past its deadline (the service was down or behind, and the requester answered its caller `503`) is dropped
 * undone: its caller was told to retry, and a retry without an Idempotency-Key would otherwise do it twice.
 */
export async function serveRequests(bus: MessageBus, options: ServeRequestsOptions): Promise<Subscription> {
  const graceMs = options.deadlineGraceMs ?? DEFAULT_DEADLINE_GRACE_MS;
  const inBackground = new Set<Promise<void>>();
  const subscription = await bus.subscribe({
    groupId: options.groupId,
    topics: [options.topic],
    handler: async (message) => {
      const replyTo = message.headers[REPLY_TO_HEADER];
      const correlationId = message.headers[CORRELATION_ID_HEADER];
      let payload: unknown;
      try {
        payload = JSON.parse(message.value.toString('utf8'));
      } catch {
        throw new PoisonMessageError('request body is not JSON', 'malformed-request');
      }
      const command = commandTypeOf(payload);
      /** Past its deadline: its requester answered 503 already ("dropped undone"), so it is dropped undone. */
      const expired = (): boolean => {
        const lateMs = lateness(message);
        if (lateMs <= graceMs) return false;
        commandDuration.startTimer({ service: options.groupId, command })({ outcome: 'expired' });
        options.onExpired?.({ command, lateMs });
        return true;
      };
      if (expired()) return;
      const handle = async () => {
        const end = commandDuration.startTimer({ service: options.groupId, command });
        let reply: unknown;
        try {
          reply = await inSpan(options.groupId, `command ${command}`, { kind: SpanKind.SERVER }, () =>
            options.handler(payload, message),
          );
        } catch (error) {
          end({ outcome: 'failed' });
          throw error;
        }
        end({ outcome: (reply as { ok?: unknown } | null)?.ok === false ? 'refused' : 'ok' });
        return reply ?? null;
      };
      const answer = async (reply: unknown, failed = false) => {
        if (!replyTo || !correlationId) return; // fire-and-forget command
        await bus.publish([
          {
            topic: replyTo,
            key: correlationId,
            headers: {
              [CORRELATION_ID_HEADER]: correlationId,
              'content-type': 'application/json',
              ...(failed ? { [REPLY_FAILED_HEADER]: 'true' } : {}),
            },
            value: Buffer.from(JSON.stringify(reply)),
          },
        ]);
      };
      if (!options.inBackground?.(payload)) return answer(await handle());
      while (inBackground.size >= (options.maxInBackground ?? 2)) await Promise.race(inBackground);
      // Its wait for a place may have outlasted its deadline too.
      if (expired()) return;
      const running = (async () => {
        let reply: unknown;
        try {
          reply = await handle();
        } catch (error) {
          options.onBackgroundFailure?.({ command, error });
          // The bus will not retry it (its message is done): a requester that reads failure replies is told now
          // rather than left to time out (one from before them would take the reply for an answer).
          if (message.headers[FAILURE_REPLIES_HEADER] !== undefined)
            await answer(null, true).catch(() => undefined);
          return;
        }
        // Done: a reply that cannot be sent is no failure of the work (the requester times out, and a retry under
        // its key is answered as done).
        await answer(reply).catch((error: unknown) => options.onBackgroundFailure?.({ command, error }));
      })();
      inBackground.add(running);
      void running.finally(() => inBackground.delete(running));
    },
  });
  return {
    close: async () => {
      await subscription.close();
      // What was started in the background is let finish, as in-flight handlers are.
      await Promise.allSettled([...inBackground]);
    },
  };
}

/** How long past its deadline a request arrived (0 for one without a deadline). */
function lateness(message: ReceivedMessage): number {
  const deadline = Number(message.headers[DEADLINE_HEADER]);
  return Number.isFinite(deadline) && deadline > 0 ? Date.now() - deadline : 0;
}

/** The command's type for the metrics' label: only a short, plain name, so a bad request cannot blow up the series. */
function commandTypeOf(payload: unknown): string {
  const type = (payload as { command?: { type?: unknown } } | null)?.command?.type;
  return typeof type === 'string' && /^[A-Za-z]{1,40}$/.test(type) ? type : 'unknown';
}
