import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { loadRequestSigningKeys } from './request-signing-keys';
import { loadSharedSecret } from './shared-secret';
import { tempRoot } from '@app/testing';

describe('shared secrets', () => {
  const dataDir = () => mkdtempSync(join(tempRoot(), 'secrets-'));
  const load = (env: NodeJS.ProcessEnv, dir = dataDir()) =>
    loadSharedSecret({ variable: 'SOME_SECRET', file: 'some.key', dataDir: dir, env, minBytes: 32 });

  it('the configured value when it is long enough; else one generated once under the data folder', () => {
    expect(load({ SOME_SECRET: 'x'.repeat(32) })).toBe('x'.repeat(32));
    const dir = dataDir();
    const generated = load({}, dir);
    expect(generated.length).toBeGreaterThanOrEqual(32);
    expect(load({}, dir)).toBe(generated);
  });

  it('refuses a configured value shorter than its minimum, naming the setting and not the value', () => {
    expect(() => load({ SOME_SECRET: 'short-secret' })).toThrow('SOME_SECRET must be at least 32 bytes');
    expect(() => load({ SOME_SECRET: 'short-secret' })).not.toThrow(/short-secret/);
    expect(() =>
      loadRequestSigningKeys({ dataDir: dataDir(), env: { COMMAND_SIGNING_SECRET: 'x' } }),
    ).toThrow('COMMAND_SIGNING_SECRET must be at least 32 bytes');
    expect(() =>
      loadRequestSigningKeys({
        dataDir: dataDir(),
        env: { COMMAND_SIGNING_SECRET: 'x'.repeat(32), COMMAND_SIGNING_SECRET_PREVIOUS: 'old' },
      }),
    ).toThrow('COMMAND_SIGNING_SECRET_PREVIOUS must be at least 32 bytes');
  });

  it('REQUIRE_CONFIGURED_SECRETS=true (any case) generates nothing; a value that is not true or false stops the service', () => {
    const dir = dataDir();
    expect(() => load({ REQUIRE_CONFIGURED_SECRETS: 'TRUE' }, dir)).toThrow(
      'SOME_SECRET must be set (REQUIRE_CONFIGURED_SECRETS=true)',
    );
    for (const loose of ['1', 'yes', 'on'])
      expect(() => load({ REQUIRE_CONFIGURED_SECRETS: loose }, dir)).toThrow(
        `REQUIRE_CONFIGURED_SECRETS must be true or false, got "${loose}"`,
      );
    expect(existsSync(join(dir, 'secrets', 'some.key'))).toBe(false);
    expect(load({ REQUIRE_CONFIGURED_SECRETS: 'false' }, dir)).toHaveLength(43);
  });
});
