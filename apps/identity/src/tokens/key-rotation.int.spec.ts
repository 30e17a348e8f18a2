import { type INestApplication } from '@nestjs/common';
import { type AddressInfo } from 'node:net';
import { AccessTokenVerifier } from '@app/access-tokens';
import { readInfrastructureConfig } from '@app/platform';
import { makeTempDir } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { readIdentityConfig } from '../config/identity.config';
import { createIdentityApp } from '../identity.app';
import { AccessTokenService } from './access-token.service';
import { generateSigningKey } from './signing-key';

const pemOf = (key: ReturnType<typeof generateSigningKey>) =>
  key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/**
 * Rotating the access-token signing key with no token refused (README, "Rotating keys"): identity publishes the keys
 * of IDENTITY_ADDITIONAL_KEYS_PEM in its JWKS beside the signing key.
 */
describe('access-token key rotation', () => {
  const eventStore = useTestEventStore();
  const apps: INestApplication[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  async function identityWith(env: NodeJS.ProcessEnv): Promise<URL> {
    const infra = {
      ...readInfrastructureConfig({ ...process.env, DATA_DIR: await makeTempDir('rotation') }),
      eventStoreConnectionString: eventStore.store.connectionString,
    };
    const app = await createIdentityApp(infra, {
      quiet: true,
      persistSecrets: false,
      config: readIdentityConfig({ IDENTITY_ISSUER: 'http://identity.test', ...env }),
    });
    await app.listen(0, '127.0.0.1');
    apps.push(app);
    const { port } = app.getHttpServer().address() as AddressInfo;
    return new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`);
  }

  it('publishes the next key before it signs with it, and the previous one after', async () => {
    const old = generateSigningKey();
    const next = generateSigningKey();
    const kids = async (url: URL) =>
      ((await (await fetch(url)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

    const before = await identityWith({ IDENTITY_SIGNING_KEY_PEM: pemOf(old) });
    expect(await kids(before)).toEqual([old.kid]);
    const learning = await identityWith({
      IDENTITY_SIGNING_KEY_PEM: pemOf(old),
      IDENTITY_ADDITIONAL_KEYS_PEM: pemOf(next),
    });
    expect(await kids(learning)).toEqual([old.kid, next.kid]);
    const switched = await identityWith({
      IDENTITY_SIGNING_KEY_PEM: pemOf(next),
      IDENTITY_ADDITIONAL_KEYS_PEM: pemOf(old),
    });
    expect(await kids(switched)).toEqual([next.kid, old.kid]);

    // A gateway that fetched the keys during phase 1 accepts tokens of either key, before and after the switch.
    const gateway = new AccessTokenVerifier({
      issuer: 'http://identity.test',
      audience: 'identity-platform',
      keys: learning,
    });
    const issue = (signingKey: typeof old) =>
      new AccessTokenService({
        issuer: 'http://identity.test',
        audience: 'identity-platform',
        signingKey,
      }).issue('ada');
    expect((await gateway.verify((await issue(old)).token)).sub).toBe('ada');
    expect((await gateway.verify((await issue(next)).token)).sub).toBe('ada');
  });
});
