/**
 * Failures that say a dependency (MongoDB, the event store, Kafka) cannot be reached now, not that the message is
 * wrong. The drivers' error classes are recognised by name, so that the bus needs none of the drivers.
 */
const UNREACHABLE_ERRORS: ReadonlySet<string> = new Set([
  'DependencyUnavailableError',
  // @app/event-store: an in-memory index still reading the store (a reaction that needs it waits, however long)
  'IndexBehindError',
  // mongodb
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  // @eventstore/db-client
  'UnavailableError',
  // kafkajs
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
]);

/** Node's socket errors for a peer that is not there (or went away). */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** mongoose, while its connection is down, holds operations this long and then fails them with this message. */
const MONGOOSE_NOT_CONNECTED = /buffering timed out after/;

/**
 * Thrown by a handler that cannot go on until something it depends on is ready (read models still being filled): the
 * bus retries it as it does an outage, holding the message, and never dead-letters it for that. Over HTTP it is a 503
 * whose title carries the message, so the message is written for clients: no host, address or driver detail.
 */
export class DependencyUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
  }
}

/**
 * Whether a handler's failure, or any failure it was caused by, is a dependency being unreachable. A timed-out
 * database or event-store operation is not one: a message can cause that itself (a query too slow, a read too large).
 * A Kafka request timing out, and a connection that timed out (`ETIMEDOUT`), are: the broker or host did not answer.
 */
export function isDependencyOutage(error: unknown): boolean {
  for (const link of causeChain(error)) {
    const className = (link.constructor as { name?: string } | undefined)?.name ?? '';
    if (UNREACHABLE_ERRORS.has(link.name) || UNREACHABLE_ERRORS.has(className)) return true;
    const { code } = link as { code?: unknown };
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (link.name === 'MongooseError' && MONGOOSE_NOT_CONNECTED.test(link.message)) return true;
  }
  return false;
}

/**
 * Whether a handler failed because it lost the race for a stream each time it tried (`concurrency-conflict`: other
 * writers appended first). Nothing is wrong with the message and it goes through once they are done, so, as for an
 * outage, the bus tries it again without counting the attempt (up to `RetryPolicy.contendedAttempts` times): a busy
 * organization (an import running) must not send a reaction, such as removing a deleted user, to the dead-letter topic.
 */
export function isContention(error: unknown): boolean {
  for (const link of causeChain(error))
    if ((link as { code?: unknown }).code === 'concurrency-conflict') return true;
  return false;
}

/** Kafka's refusals of a record larger than its topic takes (`max.message.bytes`): retrying never helps. */
const TOO_LARGE_TYPES: ReadonlySet<string> = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** Whether a publish failed, or was caused to fail, because a record is larger than its topic accepts. */
export function isRecordTooLarge(error: unknown): boolean {
  for (const link of causeChain(error)) {
    const { type } = link as { type?: unknown };
    if (typeof type === 'string' && TOO_LARGE_TYPES.has(type)) return true;
  }
  return false;
}

/** The error raised on purpose for a dependency not ready or not reachable, if `error` is one or was caused by one. */
export function ownUnavailability(error: unknown): DependencyUnavailableError | undefined {
  for (const link of causeChain(error)) if (link instanceof DependencyUnavailableError) return link;
  return undefined;
}

/** `error`, then what it was caused by, and so on (each once: a cycle ends it). */
function* causeChain(error: unknown): Generator<Error> {
  const seen = new Set<unknown>();
  for (let link = error; isErrorLike(link) && !seen.has(link); link = causeOf(link)) {
    seen.add(link);
    yield link;
  }
}

/** Not `instanceof Error`: an error made in another realm (a worker, a VM context) is not one of this realm's. */
function isErrorLike(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string';
}

/** `cause`, or kafkajs' `originalError` on the errors it wraps. */
function causeOf(error: Error): unknown {
  return error.cause ?? (error as { originalError?: unknown }).originalError;
}
