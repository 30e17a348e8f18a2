import { inSpan, SpanKind } from '@app/tracing';
import { commandDuration } from '@app/metrics';
import { randomUUID } from 'node:crypto';
import { type MessageBus, type ReceivedMessage, type Subscription } from './message-bus';
import { PoisonMessageError } from './poison-message-error';

export const REPLY_TO_HEADER = 'reply_to';
export const CORRELATION_ID_HEADER = 'correlation_id';

export class RequestTimeoutError extends Error {
  constructor(topic: string, timeoutMs: number) {
    super(`no reply on ${topic} within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
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
 * Request/reply over the bus, for commands from the gateway. Each requester instance owns a reply topic, named after
 * its instance, so replies reach only the instance that waits for them and it reads nothing else; it reads its topic
 * from the beginning, so a reply published while the consumer was still joining is not missed. A short retention
 * bounds what a crashed instance leaves behind. Requests are at-least-once: command ids make the handling idempotent.
 */
export class RequestReplyClient {
  private readonly pending = new Map<string, Pending>();
  private subscription: Subscription | undefined;

  private constructor(
    private readonly bus: MessageBus,
    readonly replyTopic: string,
  ) {}

  static async start(bus: MessageBus, instanceId: string): Promise<RequestReplyClient> {
    const replyTopic = `replies.${instanceId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
    const client = new RequestReplyClient(bus, replyTopic);
    await bus.ensureTopics([
      {
        topic: replyTopic,
        partitions: 1,
        replicationFactor: 1,
        config: { 'retention.ms': String(10 * 60_000) },
      },
    ]);
    client.subscription = await bus.subscribe({
      groupId: replyTopic,
      topics: [replyTopic],
      fromBeginning: true,
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
    const reply = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new RequestTimeoutError(topic, timeoutMs));
      }, timeoutMs);
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
}

/** Serves requests from `topic` in a consumer group and publishes each reply to the requester's reply topic. */
export function serveRequests(bus: MessageBus, options: ServeRequestsOptions): Promise<Subscription> {
  return bus.subscribe({
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
      if (!replyTo || !correlationId) return; // fire-and-forget command
      await bus.publish([
        {
          topic: replyTo,
          key: correlationId,
          headers: { [CORRELATION_ID_HEADER]: correlationId, 'content-type': 'application/json' },
          value: Buffer.from(JSON.stringify(reply ?? null)),
        },
      ]);
    },
  });
}

/** The command's type for the metrics' label: only a short, plain name, so a bad request cannot blow up the series. */
function commandTypeOf(payload: unknown): string {
  const type = (payload as { command?: { type?: unknown } } | null)?.command?.type;
  return typeof type === 'string' && /^[A-Za-z]{1,40}$/.test(type) ? type : 'unknown';
}
