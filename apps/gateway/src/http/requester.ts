import { createHash } from 'node:crypto';
import { BadRequestException } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { v5 as uuidv5 } from 'uuid';
import { CORRELATION_HEADER } from '@app/platform';
import { type Caller } from '../auth/caller';
import { type Requester } from '../commands/write-services';

// Fixed namespace: the same caller and Idempotency-Key always give the same command id.
const IDEMPOTENCY_NAMESPACE = 'b6f3c0a2-1f4e-4d8a-9c7b-2e5d6a8f0c11';
export const IDEMPOTENCY_KEY_PATTERN = '^[A-Za-z0-9._:-]{8,128}$';
const KEY = new RegExp(IDEMPOTENCY_KEY_PATTERN);

/**
 * Who asks and with which ids: the verified caller (nothing a body says), the correlation id (carried into the bus
 * messages and the event metadata), and a command id that is the same for a repeated `Idempotency-Key` of the same
 * caller, so a retried request is applied once and a key reused for another request is `command-id-reused`.
 *
 * Anonymous callers (registration, accepting an invitation as a new user, password reset) are nobody in particular:
 * one key namespace for all of them would let one person's request land on another's command (a registration's user
 * id comes from its command id). Their command id is of the key and the request itself (method, path, body), so only
 * the very same request repeats; a key reused for another request is a new command.
 */
export function requesterOf(req: FastifyRequest, caller?: Caller): Requester {
  const key = headerOf(req, 'idempotency-key');
  if (key !== undefined && !KEY.test(key))
    throw new BadRequestException({
      code: 'validation-failed',
      title: 'Idempotency-Key must be 8 to 128 letters, digits or ._:-',
      errors: [{ field: 'Idempotency-Key', message: 'must be 8 to 128 letters, digits or ._:-' }],
    });
  return {
    ...(caller ? { actorId: caller.userId, actorTwoFactor: caller.twoFactor } : {}),
    correlationId: headerOf(req, CORRELATION_HEADER)!,
    ...(key
      ? {
          commandId: uuidv5(
            `${caller ? caller.userId : anonymousRequest(req)}:${key}`,
            IDEMPOTENCY_NAMESPACE,
          ),
        }
      : {}),
  };
}

function anonymousRequest(req: FastifyRequest): string {
  const request = JSON.stringify([req.method, req.url, req.body ?? null]);
  return `anonymous/${createHash('sha256').update(request).digest('base64url')}`;
}

/** A request header's value; a header sent twice counts as its first value. */
export function headerOf(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
