import { randomUUID } from 'node:crypto';
import { type NextFunction, type Request, type Response } from 'express';

export const CORRELATION_HEADER = 'x-correlation-id';
const acceptable = /^[A-Za-z0-9._:-]{1,128}$/;

/** Every request carries or receives an `x-correlation-id`; an unsafe incoming one is replaced, not echoed. */
export function correlationId(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.header(CORRELATION_HEADER);
  const id = incoming && acceptable.test(incoming) ? incoming : randomUUID();
  req.headers[CORRELATION_HEADER] = id;
  res.setHeader(CORRELATION_HEADER, id);
  next();
}
