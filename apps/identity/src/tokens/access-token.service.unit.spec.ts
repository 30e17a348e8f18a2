import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { AccessTokenService, InvalidAccessTokenError, type InvalidTokenReason } from './access-token.service';
import { generateSigningKey } from './signing-key';

const issuer = 'https://identity.test';
const audience = 'imp-api';
const key = generateSigningKey();
let clock = Date.UTC(2026, 0, 1);
const service = new AccessTokenService({ issuer, audience, signingKey: key, now: () => clock });

async function reasonOf(verifying: Promise<unknown>): Promise<InvalidTokenReason> {
  try {
    await verifying;
  } catch (error) {
    if (error instanceof InvalidAccessTokenError) return error.reason;
    throw error;
  }
  throw new Error('token was accepted');
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens (EdDSA JWT, signed and verified with jose)', () => {
  beforeEach(() => {
    clock = Date.UTC(2026, 0, 1);
  });

  it('issues a 5-minute token with kid, iss, aud, sub, exp that verifies', async () => {
    const { token, claims, expiresAt } = await service.issue('user-1', { sid: 'fam-1', amr: ['pwd'] });
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid });
    expect(claims.exp - claims.iat).toBe(300);
    expect(expiresAt.getTime()).toBe(clock + 300_000);
    expect(await service.verify(token)).toMatchObject({
      iss: issuer,
      aud: audience,
      sub: 'user-1',
      sid: 'fam-1',
      amr: ['pwd'],
    });
  });

  it('keeps the milliseconds of the issuing instant in iat, so it can be ordered against events of the same second', async () => {
    clock = Date.UTC(2026, 0, 1) + 1_234;
    const { token, claims } = await service.issue('user-1');
    expect(claims.iat).toBe(Date.UTC(2026, 0, 1) / 1000 + 1.234);
    // exp stays whole seconds, as every verifier compares it (rounded down: never later than the lifetime).
    expect(claims.exp).toBe(Date.UTC(2026, 0, 1) / 1000 + 1 + 300);
    expect((await service.verify(token)).iat).toBe(claims.iat);
  });

  it('refuses a lifetime over 5 minutes', () => {
    expect(() => new AccessTokenService({ issuer, audience, signingKey: key, ttlSeconds: 3600 })).toThrow();
  });

  it('rejects alg: none (unsigned token with our kid)', async () => {
    const { claims } = await service.issue('user-1');
    const forged = `${b64({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${b64({ ...claims, sub: 'admin' })}.`;
    expect(await reasonOf(service.verify(forged))).toBe('unsupported-algorithm');
  });

  it('rejects HS256 signed with the public key as HMAC secret (algorithm confusion)', async () => {
    const { claims } = await service.issue('user-1');
    const publicPem = key.publicKey.export({ format: 'pem', type: 'spki' });
    const input = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })}.${b64({ ...claims, sub: 'admin' })}`;
    const forged = `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
    expect(await reasonOf(service.verify(forged))).toBe('unsupported-algorithm');
  });

  it('rejects a token signed by another key, even one claiming our kid', async () => {
    const other = generateSigningKey();
    const foreign = await new AccessTokenService({
      issuer,
      audience,
      signingKey: other,
      now: () => clock,
    }).issue('user-1');
    expect(await reasonOf(service.verify(foreign.token))).toBe('unknown-key');
    const [, payload, signature] = foreign.token.split('.');
    const spoofed = `${b64({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid })}.${payload}.${signature}`;
    expect(await reasonOf(service.verify(spoofed))).toBe('bad-signature');
  });

  it('rejects a tampered payload, a truncated signature, garbage and another token type', async () => {
    const { token } = await service.issue('user-1');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    expect(
      await reasonOf(service.verify(`${header}.${b64({ ...claims, sub: 'user-2' })}.${signature}`)),
    ).toBe('bad-signature');
    expect(await reasonOf(service.verify(`${header}.${payload}.${signature.slice(0, -4)}AAAA`))).toBe(
      'bad-signature',
    );
    expect(await reasonOf(service.verify('not.a.jwt!'))).toBe('malformed');
    expect(await reasonOf(service.verify(token + '.x'))).toBe('malformed');
    const idToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.kid })
      .sign(key.privateKey);
    expect(await reasonOf(service.verify(idToken))).toBe('malformed');
  });

  it('rejects an expired token (beyond the clock tolerance)', async () => {
    const { token } = await service.issue('user-1');
    clock += 300_000 + 4_000;
    expect((await service.verify(token)).sub).toBe('user-1');
    clock += 2_000;
    expect(await reasonOf(service.verify(token))).toBe('expired');
  });

  it('rejects the wrong audience and the wrong issuer', async () => {
    const { token } = await service.issue('user-1');
    const otherAudience = new AccessTokenService({
      issuer,
      audience: 'billing',
      signingKey: key,
      now: () => clock,
    });
    expect(await reasonOf(otherAudience.verify(token))).toBe('wrong-audience');
    const otherIssuer = new AccessTokenService({
      issuer: 'https://evil.test',
      audience,
      signingKey: key,
      now: () => clock,
    });
    expect(await reasonOf(otherIssuer.verify(token))).toBe('wrong-issuer');
  });

  it('publishes a JWKS with the current and previous keys, and accepts tokens of a previous key', async () => {
    const next = generateSigningKey();
    const rotated = new AccessTokenService({
      issuer,
      audience,
      signingKey: next,
      previousKeys: [key],
      now: () => clock,
    });
    const jwks = await rotated.jwks();
    expect(jwks.keys.map((k) => [k.kid, k.kty, k.crv, k.alg, k.use])).toEqual([
      [next.kid, 'OKP', 'Ed25519', 'EdDSA', 'sig'],
      [key.kid, 'OKP', 'Ed25519', 'EdDSA', 'sig'],
    ]);
    expect(jwks.keys.every((k) => !('d' in k))).toBe(true);
    expect((await rotated.verify((await service.issue('user-1')).token)).sub).toBe('user-1');
  });
});
