import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';

export const CORRELATION_HEADER = 'x-correlation-id';
const acceptable = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's own id when it is safe to carry into logs and event metadata, a fresh one otherwise. */
export function correlationIdOf(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && acceptable.test(incoming) ? incoming : randomUUID();
}

/**
 * Every request carries or receives an `x-correlation-id`; an unsafe incoming one is replaced, not echoed.
 * Works on the Node request and response under either HTTP adapter.
 */
export function correlationId(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const id = correlationIdOf(req.headers[CORRELATION_HEADER]);
  req.headers[CORRELATION_HEADER] = id;
  res.setHeader(CORRELATION_HEADER, id);
  next();
}
