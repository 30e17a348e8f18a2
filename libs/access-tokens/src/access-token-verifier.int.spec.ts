import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { AccessTokenService } from '../../../apps/identity/src/tokens/access-token.service';
import { generateSigningKey } from '../../../apps/identity/src/tokens/signing-key';
import { ACCESS_TOKEN_TYPE, AccessTokenVerifier, InvalidAccessTokenError } from './access-token-verifier';

/** The gateway's side: identity's keys fetched from its JWKS endpoint, cached, and a rotated key picked up. */
describe('access tokens verified against a remote JWKS', () => {
  const issuer = 'http://identity.test';
  const audience = 'identity-platform';
  const first = generateSigningKey();
  const second = generateSigningKey();
  let published = new AccessTokenService({ issuer, audience, signingKey: first });
  let fetches = 0;
  let server: Server;
  let url: URL;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches++;
      void published.jwks().then((jwks) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(jwks));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('fetches the keys once, and refetches for a token signed with a key it has not seen (rotation)', async () => {
    const verifier = new AccessTokenVerifier({ issuer, audience, keys: url, refetchCooldownMs: 0 });
    const before = await new AccessTokenService({ issuer, audience, signingKey: first }).issue('ada');
    for (let i = 0; i < 20; i++) expect((await verifier.verify(before.token)).sub).toBe('ada');
    expect(fetches).toBe(1);

    published = new AccessTokenService({ issuer, audience, signingKey: second, previousKeys: [first] });
    const after = await new AccessTokenService({ issuer, audience, signingKey: second }).issue('bob');
    expect((await verifier.verify(after.token)).sub).toBe('bob');
    expect((await verifier.verify(before.token)).sub).toBe('ada');
    expect(fetches).toBe(2);
  });

  it('a token of a key the issuer never published stays unknown', async () => {
    const verifier = new AccessTokenVerifier({ issuer, audience, keys: url });
    const stranger = await new AccessTokenService({
      issuer,
      audience,
      signingKey: generateSigningKey(),
    }).issue('eve');
    await expect(verifier.verify(stranger.token)).rejects.toEqual(new InvalidAccessTokenError('unknown-key'));
  });

  it('keys that cannot be fetched make verification fail closed', async () => {
    const verifier = new AccessTokenVerifier({
      issuer,
      audience,
      keys: new URL('http://127.0.0.1:1/jwks.json'),
    });
    const token = (await new AccessTokenService({ issuer, audience, signingKey: first }).issue('ada')).token;
    // Closed, and said so: the issuer is unreachable, which the gateway answers 503, not a 401 for a bad token.
    await expect(verifier.verify(token)).rejects.toEqual(new InvalidAccessTokenError('keys-unavailable'));
  });

  it('an issuer answering an error, or no key set, is unavailable too, not a bad token', async () => {
    const token = (await new AccessTokenService({ issuer, audience, signingKey: first }).issue('ada')).token;
    for (const [status, body] of [
      [503, 'restarting'],
      [200, 'not json'],
    ] as const) {
      const failing = createServer((_req, res) => res.writeHead(status).end(body));
      await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
      try {
        const verifier = new AccessTokenVerifier({
          issuer,
          audience,
          keys: new URL(`http://127.0.0.1:${(failing.address() as AddressInfo).port}/jwks.json`),
        });
        await expect(verifier.verify(token)).rejects.toEqual(new InvalidAccessTokenError('keys-unavailable'));
      } finally {
        await new Promise((resolve) => failing.close(resolve));
      }
    }
  });
});

/** A verified token is remembered, never beyond what verifying it again would answer. */
describe('verified tokens remembered until they expire', () => {
  const issuer = 'http://identity.test';
  const audience = 'identity-platform';
  const key = generateSigningKey();
  const tokens = new AccessTokenService({ issuer, audience, signingKey: key });
  let clock = Date.now();
  const verifierOf = async (rememberedTokens?: number) =>
    new AccessTokenVerifier({
      issuer,
      audience,
      keys: await tokens.jwks(),
      now: () => clock,
      ...(rememberedTokens !== undefined ? { rememberedTokens } : {}),
    });

  it('a remembered token still expires, at the same moment a fresh check says so', async () => {
    const verifier = await verifierOf();
    const { token } = await tokens.issue('ada');
    const claims = await verifier.verify(token);
    clock = claims.exp * 1000 + 4_000; // within the 5 s tolerance
    expect((await verifier.verify(token)).sub).toBe('ada');
    clock = claims.exp * 1000 + 5_000;
    await expect(verifier.verify(token)).rejects.toEqual(new InvalidAccessTokenError('expired'));
    clock = Date.now();
  });

  it('a signed token without an expiry, or with one that is not a time, is malformed, not expired', async () => {
    const verifier = await verifierOf();
    const signed = (exp?: unknown) =>
      new SignJWT({ ...(exp === undefined ? {} : { exp }) } as Record<string, unknown>)
        .setProtectedHeader({ alg: 'EdDSA', typ: ACCESS_TOKEN_TYPE, kid: key.kid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject('ada')
        .setIssuedAt()
        .sign(key.privateKey);
    await expect(verifier.verify(await signed())).rejects.toEqual(new InvalidAccessTokenError('malformed'));
    await expect(verifier.verify(await signed('tomorrow'))).rejects.toEqual(
      new InvalidAccessTokenError('malformed'),
    );
    const soon = Math.floor(Date.now() / 1000) + 60;
    expect((await verifier.verify(await signed(soon))).sub).toBe('ada');
  });

  it('a signed token without its issuing time is malformed: it could not be ordered against ended sessions', async () => {
    const verifier = await verifierOf();
    const signed = (issuedAt: boolean) => {
      const jwt = new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA', typ: ACCESS_TOKEN_TYPE, kid: key.kid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject('ada')
        .setExpirationTime('5m');
      return (issuedAt ? jwt.setIssuedAt() : jwt).sign(key.privateKey);
    };
    await expect(verifier.verify(await signed(false))).rejects.toEqual(
      new InvalidAccessTokenError('malformed'),
    );
    expect((await verifier.verify(await signed(true))).sub).toBe('ada');
  });

  it('is the exact token only: a tampered copy of a remembered token is still refused', async () => {
    const verifier = await verifierOf();
    const { token } = await tokens.issue('ada');
    await verifier.verify(token);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = [
      header,
      Buffer.from(JSON.stringify({ ...claims, sub: 'eve' })).toString('base64url'),
      signature,
    ];
    await expect(verifier.verify(forged.join('.'))).rejects.toEqual(
      new InvalidAccessTokenError('bad-signature'),
    );
    expect((await verifier.verify(token)).sub).toBe('ada');
  });

  it('has one spelling: the same token with base64 padding or other characters added is malformed', async () => {
    const verifier = await verifierOf();
    const { token } = await tokens.issue('ada');
    for (const spelling of [`${token}==`, `${token}=`, token.replace('.', '=.'), ` ${token}`, `${token}\n`])
      await expect(verifier.verify(spelling)).rejects.toEqual(new InvalidAccessTokenError('malformed'));
    expect((await verifier.verify(token)).sub).toBe('ada');
  });

  it('answers the claims it verified, which nobody can change afterwards', async () => {
    const verifier = await verifierOf();
    const { token } = await tokens.issue('ada', { amr: ['pwd'] });
    const first = await verifier.verify(token);
    expect(() => (first.amr as string[]).push('otp')).toThrow(TypeError);
    expect(await verifier.verify(token)).toEqual(first);
    expect((await verifier.verify(token)).amr).toEqual(first.amr);
  });
});
