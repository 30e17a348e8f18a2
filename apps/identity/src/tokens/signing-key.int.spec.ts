import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '@app/testing';
import { loadSigningKey } from './signing-key';

describe('signing key configuration', () => {
  it('loads the key from PEM or JWK config, else generates one and keeps it in the data dir', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const fromPem = loadSigningKey({
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    });
    const fromJwk = loadSigningKey({ privateJwk: privateKey.export({ format: 'jwk' }) });
    expect(fromPem.kid).toBe(fromJwk.kid);
    await withTempDir('identity-key', async (dir) => {
      const first = loadSigningKey({ dataDir: dir });
      const again = loadSigningKey({ dataDir: dir });
      expect(again.kid).toBe(first.kid);
      const file = join(dir, 'identity-signing-key.jwk.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveProperty('d');
    });
    expect(() =>
      loadSigningKey({
        privateKeyPem: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
      }),
    ).toThrow(/Ed25519/);
  });
});
