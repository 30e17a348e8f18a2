import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { BadRequestException } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { v5 as uuidv5 } from 'uuid';
import { type RequestSigningKeys } from '@app/messaging';
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
 */
export function requesterOf(req: FastifyRequest, caller: Caller): Requester {
  return requesterWith(req, { actorId: caller.userId, actorTwoFactor: caller.twoFactor }, caller.userId);
}

/**
 * Anonymous callers (registration, sign-in, accepting an invitation as a new user, password reset) are nobody in
 * particular: one key namespace for all of them would let one person's request land on another's command (a
 * registration's user id comes from its command id). Their command id is of the key and the request itself (method,
 * path, body), so only the very same request repeats; a key reused for another request is a new command.
 *
 * A request whose body holds a password (registration, a reset, accepting as a new user) is digested under a key of
 * the gateway's own: the command id (and the user id made from it) is seen by every member and auditor, so an unkeyed
 * digest would let whoever learned the Idempotency-Key test passwords against it at a hash's speed, not argon2's. The
 * key is derived from the gateway's current request-signing secret, which its replicas share, so a retry reaching
 * another replica is the same command; only while a rotation of that secret rolls out may it not be. Every other
 * anonymous body holds a token too long to guess (a refresh, a link): its plain digest gives nothing away, and stays
 * the same across replicas and rotations, which a refresh's retry relies on (another id would be the token's reuse).
 */
export class AnonymousRequesters {
  private readonly digestKey: Buffer;

  constructor(signingKeys: RequestSigningKeys) {
    this.digestKey = Buffer.from(
      hkdfSync('sha256', signingKeys.current.secret, Buffer.alloc(0), 'anonymous-command-ids', 32),
    );
  }

  requesterOf(req: FastifyRequest): Requester {
    const request = JSON.stringify([req.method, req.url, req.body ?? null]);
    const digest = holdsPassword(req.body)
      ? createHmac('sha256', this.digestKey).update(request).digest('base64url')
      : createHash('sha256').update(request).digest('base64url');
    return requesterWith(req, {}, `anonymous/${digest}`);
  }
}

function holdsPassword(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'password' in body;
}

function requesterWith(
  req: FastifyRequest,
  actor: Pick<Requester, 'actorId' | 'actorTwoFactor'>,
  idempotencyScope: string,
): Requester {
  const key = headerOf(req, 'idempotency-key');
  if (key !== undefined && !KEY.test(key))
    throw new BadRequestException({
      code: 'validation-failed',
      title: 'Idempotency-Key must be 8 to 128 letters, digits or ._:-',
      errors: [{ field: 'Idempotency-Key', message: 'must be 8 to 128 letters, digits or ._:-' }],
    });
  return {
    ...actor,
    correlationId: headerOf(req, CORRELATION_HEADER)!,
    ...(key ? { commandId: uuidv5(`${idempotencyScope}:${key}`, IDEMPOTENCY_NAMESPACE) } : {}),
  };
}

/** A request header's value; a header sent twice counts as its first value. */
export function headerOf(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
