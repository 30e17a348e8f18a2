import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { RequestSigner, RequestSigningKeys, RequestVerifier } from '@app/messaging';
import { loadRequestSigningKeys, loadSendersKeys } from './request-signing-keys';
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
      loadRequestSigningKeys({ dataDir: dataDir(), sender: 'gateway', env: { COMMAND_SIGNING_SECRET: 'x' } }),
    ).toThrow('COMMAND_SIGNING_SECRET must be at least 32 bytes');
    expect(() =>
      loadRequestSigningKeys({
        dataDir: dataDir(),
        sender: 'gateway',
        env: { COMMAND_SIGNING_SECRET: 'x'.repeat(32), COMMAND_SIGNING_SECRET_PREVIOUS: 'old' },
      }),
    ).toThrow('COMMAND_SIGNING_SECRET_PREVIOUS must be at least 32 bytes');
    expect(() =>
      loadRequestSigningKeys({
        dataDir: dataDir(),
        sender: 'identity',
        env: {
          COMMAND_SIGNING_SECRET_IDENTITY: 'x'.repeat(32),
          COMMAND_SIGNING_SECRET_IDENTITY_PREVIOUS: 'old',
        },
      }),
    ).toThrow('COMMAND_SIGNING_SECRET_IDENTITY_PREVIOUS must be at least 32 bytes');
  });

  it('command request keys: each sender its own, generated apart on the embedded default; one shared key still read where set', () => {
    const dir = dataDir();
    const signer = (sender: 'gateway' | 'identity', env: NodeJS.ProcessEnv = {}) =>
      new RequestSigner(loadRequestSigningKeys({ dataDir: dir, sender, env }), sender);
    const request = { commandId: 'c1', actorId: 'ada' };
    const verifier = new RequestVerifier(loadSendersKeys({ dataDir: dir, senders: ['gateway', 'identity'] }));
    expect(verifier.verify(signer('identity').sign(request))).toEqual({ ok: true, sender: 'identity' });
    // The gateway's key does not sign for identity.
    const gatewayKey = loadRequestSigningKeys({ dataDir: dir, sender: 'gateway' });
    expect(verifier.verify(new RequestSigner(gatewayKey, 'identity').sign(request)).ok).toBe(false);
    expect(existsSync(join(dir, 'secrets', 'command-signing-gateway.key'))).toBe(true);
    expect(existsSync(join(dir, 'secrets', 'command-signing-identity.key'))).toBe(true);
    // Set apart, each its own; a single COMMAND_SIGNING_SECRET (older deployments) signs for both.
    const env = {
      COMMAND_SIGNING_SECRET_GATEWAY: 'g'.repeat(32),
      COMMAND_SIGNING_SECRET_IDENTITY: 'i'.repeat(32),
    };
    const configured = new RequestVerifier(
      loadSendersKeys({ dataDir: dataDir(), senders: ['identity'], env }),
    );
    expect(configured.verify(signer('identity', env).sign(request)).ok).toBe(true);
    expect(
      configured.verify(
        new RequestSigner(loadRequestSigningKeys({ dataDir: dir, sender: 'gateway', env }), 'identity').sign(
          request,
        ),
      ).ok,
    ).toBe(false);
    const shared = { COMMAND_SIGNING_SECRET: 's'.repeat(32) };
    expect(
      new RequestVerifier(loadSendersKeys({ dataDir: dataDir(), senders: ['identity'], env: shared })).verify(
        new RequestSigner(
          loadRequestSigningKeys({ dataDir: dataDir(), sender: 'gateway', env: shared }),
          'identity',
        ).sign(request),
      ).ok,
    ).toBe(true);
    // Moving from the shared key: the sender's next key is accepted while the shared one still signs, and the shared
    // one is accepted once the sender's own has taken over (requests in flight from senders not yet restarted).
    const [old, next] = ['o'.repeat(32), 'n'.repeat(32)];
    const keysWith = (env: NodeJS.ProcessEnv) =>
      loadRequestSigningKeys({ dataDir: dataDir(), sender: 'identity', env });
    const signedWith = (secret: string) =>
      new RequestSigner(new RequestSigningKeys(secret), 'identity').sign(request);
    const phase1 = new RequestVerifier({
      identity: keysWith({ COMMAND_SIGNING_SECRET: old, COMMAND_SIGNING_SECRET_IDENTITY_PREVIOUS: next }),
    });
    expect([phase1.verify(signedWith(old)).ok, phase1.verify(signedWith(next)).ok]).toEqual([true, true]);
    const phase2 = keysWith({ COMMAND_SIGNING_SECRET: old, COMMAND_SIGNING_SECRET_IDENTITY: next });
    expect(new RequestVerifier({ identity: phase2 }).verify(signedWith(old)).ok).toBe(true);
    expect(phase2.current.id).toBe(new RequestSigningKeys(next).current.id);
    const after = new RequestVerifier({ identity: keysWith({ COMMAND_SIGNING_SECRET_IDENTITY: next }) });
    expect(after.verify(signedWith(old)).ok).toBe(false);
    expect(() =>
      loadRequestSigningKeys({
        dataDir: dataDir(),
        sender: 'identity',
        env: { REQUIRE_CONFIGURED_SECRETS: 'true' },
      }),
    ).toThrow('COMMAND_SIGNING_SECRET_IDENTITY must be set (REQUIRE_CONFIGURED_SECRETS=true)');
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
