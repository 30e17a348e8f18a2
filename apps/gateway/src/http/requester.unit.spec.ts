import { createHash } from 'node:crypto';
import { type FastifyRequest } from 'fastify';
import { v5 as uuidv5 } from 'uuid';
import { RequestSigningKeys } from '@app/messaging';
import { AnonymousRequesters, requesterOf } from './requester';

const SECRET = 'gateway-signing-secret-of-32-bytes-at-least';
const registration = { email: 'alice@example.com', password: 'correct horse battery staple', name: 'Alice' };

function request(body: unknown, key = 'signup-0001', url = '/v1/auth/register'): FastifyRequest {
  return {
    method: 'POST',
    url,
    body,
    headers: { 'idempotency-key': key, 'x-correlation-id': 'c-1' },
  } as unknown as FastifyRequest;
}

const anonymous = (secret = SECRET) => new AnonymousRequesters(new RequestSigningKeys(secret));

describe("an anonymous request's command id", () => {
  it('is the same for the very same request and key, on every replica holding the same key', () => {
    const first = anonymous().requesterOf(request(registration));
    expect(first.commandId).toMatch(/^[0-9a-f-]{36}$/);
    expect(anonymous().requesterOf(request({ ...registration })).commandId).toBe(first.commandId);
    expect(first).toEqual({ correlationId: 'c-1', commandId: first.commandId });
  });

  it('differs for another body, path or key: only the very same request repeats', () => {
    const id = anonymous().requesterOf(request(registration)).commandId;
    expect(
      anonymous().requesterOf(request({ ...registration, password: 'another passphrase 2' })).commandId,
    ).not.toBe(id);
    expect(anonymous().requesterOf(request(registration, 'signup-0002')).commandId).not.toBe(id);
    expect(
      anonymous().requesterOf(request(registration, 'signup-0001', '/v1/auth/login')).commandId,
    ).not.toBe(id);
  });

  it("depends on the gateway's secret, so knowing the key and the id does not let anyone test passwords offline", () => {
    const id = anonymous().requesterOf(request(registration)).commandId;
    expect(
      anonymous('another-gateway-secret-of-32-bytes-or-more').requesterOf(request(registration)).commandId,
    ).not.toBe(id);
    // what the id was before: a plain digest of the request, computable by anyone for each guessed password
    const plain = createHash('sha256')
      .update(JSON.stringify(['POST', '/v1/auth/register', registration]))
      .digest('base64url');
    expect(id).not.toBe(uuidv5(`anonymous/${plain}:signup-0001`, 'b6f3c0a2-1f4e-4d8a-9c7b-2e5d6a8f0c11'));
  });

  it('is left out without an Idempotency-Key, and a malformed key is refused naming the header', () => {
    const unkeyed = { ...request(registration), headers: { 'x-correlation-id': 'c-2' } } as FastifyRequest;
    expect(anonymous().requesterOf(unkeyed)).toEqual({ correlationId: 'c-2' });
    expect(() => anonymous().requesterOf(request(registration, 'short'))).toThrow(
      expect.objectContaining({
        response: expect.objectContaining({
          errors: [expect.objectContaining({ field: 'Idempotency-Key' })],
        }),
      }),
    );
  });
});

describe("a password-free anonymous request's command id", () => {
  it('is a plain digest, the same under any gateway key: a refresh retried on a replica with another key repeats', () => {
    const refresh = request({ refreshToken: 'x'.repeat(43) }, 'renew-0001', '/v1/auth/refresh');
    const id = anonymous().requesterOf(refresh).commandId;
    expect(anonymous('another-gateway-secret-of-32-bytes-or-more').requesterOf(refresh).commandId).toBe(id);
    const plain = createHash('sha256')
      .update(JSON.stringify(['POST', '/v1/auth/refresh', { refreshToken: 'x'.repeat(43) }]))
      .digest('base64url');
    expect(id).toBe(uuidv5(`anonymous/${plain}:renew-0001`, 'b6f3c0a2-1f4e-4d8a-9c7b-2e5d6a8f0c11'));
    expect(
      anonymous().requesterOf(request({ refreshToken: 'y'.repeat(43) }, 'renew-0001', '/v1/auth/refresh'))
        .commandId,
    ).not.toBe(id);
  });
});

describe("a signed-in caller's command id", () => {
  it("is the caller's key: the same key gives the same id whatever the body, and names the actor", () => {
    const caller = { userId: '6f1c2b9e-0d4a-4f7e-9a51-3c2d8e7b6a10', twoFactor: true } as Parameters<
      typeof requesterOf
    >[1];
    const first = requesterOf(request({ role: 'admin' }, 'change-0001', '/v1/orgs/o/members/m'), caller);
    const again = requesterOf(request({ role: 'user' }, 'change-0001', '/v1/orgs/o/members/m'), caller);
    expect(first).toEqual({
      actorId: caller.userId,
      actorTwoFactor: true,
      correlationId: 'c-1',
      commandId: again.commandId,
    });
    const other = requesterOf(request({ role: 'admin' }, 'change-0001'), {
      ...caller,
      userId: 'someone-else',
    });
    expect(other.commandId).not.toBe(first.commandId);
  });
});
