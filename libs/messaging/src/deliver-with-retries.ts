import { inSpan, SpanKind } from '@app/tracing';
import { traceparentOf } from './trace-headers';
import {
  DEFAULT_RETRY_POLICY,
  DLQ_HEADERS,
  dlqTopic,
  type BusMessage,
  type MessageHandler,
  type ReceivedMessage,
  type RetryPolicy,
} from './message-bus';
import { isContention, isDependencyOutage, isRecordTooLarge } from './dependency-outage';
import { PoisonMessageError } from './poison-message-error';

export interface DeliveryControl {
  /** Publishes to the DLQ; must resolve only once the broker acknowledged. */
  readonly publishToDlq: (message: BusMessage) => Promise<void>;
  /** False once the subscription is closing: backoff waits end early and no more attempts start. */
  readonly isRunning: () => boolean;
  /** Kafka needs heartbeats while a handler backs off longer than the session timeout. */
  readonly heartbeat?: () => Promise<void>;
  readonly onDeadLettered?: (message: ReceivedMessage, error: unknown) => void;
  /** The consumer group, naming the spans of its handling. */
  readonly group?: string;
  /** Where this message's retries stood when it was set aside (`setAside`): they go on from there. */
  readonly progressBefore?: DeliveryProgress;
  /**
   * Asked, after a failure to be retried, whether to wait `retryInMs` elsewhere instead of in place. Answering true
   * ends this delivery undone (as a closing subscription does): the caller delivers the message again later, with
   * `progressBefore` set to `progress`.
   */
  readonly setAside?: (progress: DeliveryProgress, retryInMs: number) => boolean;
}

/** How far a message's retries went: its attempts, the failures counted against it, its lost races not counted. */
export interface DeliveryProgress {
  readonly attempt: number;
  readonly failuresCounted: number;
  readonly contended: number;
}

export function retryPolicy(partial: Partial<RetryPolicy> | undefined): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...partial };
}

/**
 * Runs the handler with bounded, exponentially backed-off retries; after the last attempt (or at once for a poison
 * message) the message goes to `<topic>.dlq` with the error and attempt count. A failure because a dependency is
 * unreachable (`isDependencyOutage`) does not count toward the attempts: the message is tried again, holding its
 * key's place, until the dependency is back or the subscription closes, so an outage dead-letters nothing; nor does a
 * lost race for a stream (`isContention`), for the policy's first `contendedAttempts` of them. Returns
 * true when the message is done with (handled or dead-lettered) and its offset may be committed; false when the
 * subscription closed first, or the message was set aside to wait for its next try elsewhere (`control.setAside`), in
 * which case the offset must not be committed and the message will be delivered again.
 */
export async function deliverWithRetries(
  message: Omit<ReceivedMessage, 'attempt'>,
  handler: MessageHandler,
  policy: RetryPolicy,
  control: DeliveryControl,
): Promise<boolean> {
  let lastError: unknown;
  let attempt = control.progressBefore?.attempt ?? 0;
  let failuresCounted = control.progressBefore?.failuresCounted ?? 0;
  let contended = control.progressBefore?.contended ?? 0;
  while (failuresCounted < policy.maxAttempts) {
    attempt++;
    try {
      await inSpan(
        control.group ?? 'consumer',
        `consume ${message.topic}`,
        {
          kind: SpanKind.CONSUMER,
          traceparent: traceparentOf(message.headers),
          attributes: { 'messaging.destination.name': message.topic, 'messaging.attempt': attempt },
        },
        () => handler({ ...message, attempt }),
      );
      return true;
    } catch (error) {
      lastError = error;
      if (error instanceof PoisonMessageError) break;
      // A conflict that never clears (a state that cannot catch up with its stream) is a fault after all.
      const counted =
        !isDependencyOutage(error) && !(isContention(error) && ++contended <= policy.contendedAttempts);
      if (counted && ++failuresCounted >= policy.maxAttempts) break;
      const backoffMs = backoffBefore(attempt + 1, policy, error);
      if (control.setAside?.({ attempt, failuresCounted, contended }, backoffMs)) return false;
      if (!(await pause(backoffMs, control))) return false;
    }
  }
  let dead: BusMessage = {
    topic: dlqTopic(message.topic),
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DLQ_HEADERS.error]: describe(lastError),
      [DLQ_HEADERS.attempts]: String(attempt),
      [DLQ_HEADERS.originalTopic]: message.topic,
      [DLQ_HEADERS.originalPartition]: String(message.partition),
      [DLQ_HEADERS.originalOffset]: message.offset,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    },
  };
  // The offset may only move on once the DLQ holds the message; keep trying (the partition waits, nothing is lost).
  for (let dlqAttempt = 1; ; dlqAttempt++) {
    try {
      await control.publishToDlq(dead);
      control.onDeadLettered?.({ ...message, attempt }, lastError);
      return true;
    } catch (error) {
      // Too large for the DLQ (its own headers pushed it over the limit, or the DLQ allows less): it would be refused
      // forever and hold its partition. It goes without its value, then without the message's own headers, both of
      // which stay in its topic at the offset its DLQ headers name.
      const smaller = isRecordTooLarge(error) ? smallerDeadLetter(dead, message.headers) : undefined;
      if (smaller) {
        dead = smaller;
        continue;
      }
      if (!(await pause(Math.min(policy.maxBackoffMs, 100 * 2 ** dlqAttempt), control))) return false;
    }
  }
}

const DLQ_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(DLQ_HEADERS));

/** The dead letter one step smaller, or none when nothing of the message is left to leave out. */
function smallerDeadLetter(dead: BusMessage, original: ReceivedMessage['headers']): BusMessage | undefined {
  if (dead.value !== null && dead.value.length > 0) return withoutValue(dead);
  const own = Object.keys(original).filter((name) => name in dead.headers && !DLQ_HEADER_NAMES.has(name));
  return own.length > 0 ? withoutHeaders(dead, own) : undefined;
}

/** The dead letter without the message's value, saying how large it was (it stays in its topic, at its offset). */
function withoutValue(dead: BusMessage): BusMessage {
  return {
    ...dead,
    value: Buffer.alloc(0),
    headers: { ...dead.headers, [DLQ_HEADERS.valueOmitted]: String(dead.value?.length ?? 0) },
  };
}

/** The dead letter with only its DLQ headers, saying how many of the message's own it left out. */
function withoutHeaders(dead: BusMessage, own: readonly string[]): BusMessage {
  const kept = Object.entries(dead.headers).filter(([name]) => !own.includes(name));
  return {
    ...dead,
    headers: { ...Object.fromEntries(kept), [DLQ_HEADERS.headersOmitted]: String(own.length) },
  };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 1000);
}

async function pause(ms: number, control: DeliveryControl): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!control.isRunning()) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
    await control.heartbeat?.();
  }
  return control.isRunning();
}

/**
 * Exponential with jitter; never shorter than what the failure itself asked for (an error carrying `retryAfterMs`,
 * e.g. from an HTTP `Retry-After`), and never longer than the policy's cap.
 */
export function backoffBefore(
  attempt: number,
  policy: Pick<RetryPolicy, 'initialBackoffMs' | 'maxBackoffMs'>,
  error: unknown,
): number {
  const exponential = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 2));
  const jittered = exponential * (0.5 + Math.random() / 2);
  const asked = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof asked === 'number' ? Math.min(policy.maxBackoffMs, Math.max(jittered, asked)) : jittered;
}
