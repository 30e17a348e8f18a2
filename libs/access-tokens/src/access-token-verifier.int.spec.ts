import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { AccessTokenService } from '../../../apps/identity/src/tokens/access-token.service';
import { generateSigningKey } from '../../../apps/identity/src/tokens/signing-key';
import { AccessTokenVerifier, InvalidAccessTokenError } from './access-token-verifier';

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
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidAccessTokenError);
  });
});
