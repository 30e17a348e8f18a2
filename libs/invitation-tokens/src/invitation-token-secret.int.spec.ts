import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, withTempDir } from '@app/testing';
import { loadInvitationTokenSecret, loadInvitationTokens } from './invitation-token-secret';

describe('invitation token secret', () => {
  it('prefers INVITATION_TOKEN_SECRET', async () => {
    await withTempDir('secret', async (dataDir) => {
      expect(loadInvitationTokenSecret({ env: { INVITATION_TOKEN_SECRET: 'configured' }, dataDir })).toBe(
        'configured',
      );
    });
  });

  it('otherwise generates one once, private to its owner, and keeps it', async () => {
    await withTempDir('secret', async (dataDir) => {
      const first = loadInvitationTokenSecret({ env: {}, dataDir });
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(loadInvitationTokenSecret({ env: {}, dataDir })).toBe(first);
      expect(statSync(join(dataDir, 'secrets', 'invitation-token.key')).mode & 0o777).toBe(0o600);
    });
  });

  it('refuses to invent one where secrets must be configured (several replicas must share it)', async () => {
    await withTempDir('secret', async (dataDir) => {
      expect(() =>
        loadInvitationTokenSecret({ env: { REQUIRE_CONFIGURED_SECRETS: 'true' }, dataDir }),
      ).toThrow(/INVITATION_TOKEN_SECRET/);
    });
  });

  it('services starting at once on one folder (docker compose) all end up with the same one', async () => {
    await withTempDir('secret', async (dataDir) => {
      // Each process waits for the same signal, then asks at once: without an exclusive create, two write theirs.
      const go = join(dataDir, 'go');
      const module = JSON.stringify(join(__dirname, 'invitation-token-secret.ts'));
      const script = `const { existsSync } = require('node:fs'); const { loadInvitationTokenSecret } = require(${module});
        process.stdout.write('ready\\n');
        while (!existsSync(${JSON.stringify(go)})) {}
        process.stdout.write(loadInvitationTokenSecret({ env: {}, dataDir: ${JSON.stringify(dataDir)} }));`;
      const children = Array.from({ length: 2 }, () =>
        spawn(process.execPath, ['-r', '@swc-node/register', '-e', script]),
      );
      const outputs = children.map((child) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += String(chunk)));
        return { ready: () => out.startsWith('ready\n'), secret: () => out.slice('ready\n'.length), child };
      });
      await waitFor(() => outputs.every((o) => o.ready()), {
        timeoutMs: 30_000,
        what: 'both processes ready',
      });
      writeFileSync(go, '');
      await Promise.all(outputs.map((o) => once(o.child, 'exit')));
      const secrets = new Set(outputs.map((o) => o.secret()));
      expect(secrets.size).toBe(1);
      expect(loadInvitationTokenSecret({ env: {}, dataDir })).toBe([...secrets][0]);
    });
  }, 60_000);
});

describe('the invitation links of a deployment', () => {
  it('accept INVITATION_TOKEN_SECRET_PREVIOUS during a rotation, and make links with the current secret', async () => {
    await withTempDir('secret', async (dataDir) => {
      const current = 'c'.repeat(40);
      const previous = 'p'.repeat(40);
      const claims = { invitationId: 'inv-9', sendSequence: 1 };
      const old = loadInvitationTokens({ env: { INVITATION_TOKEN_SECRET: previous }, dataDir }).issue(claims);
      const rotating = loadInvitationTokens({
        env: { INVITATION_TOKEN_SECRET: current, INVITATION_TOKEN_SECRET_PREVIOUS: previous },
        dataDir,
      });
      expect(rotating.verify(old)).toEqual(claims);
      expect(rotating.issue(claims)).not.toBe(old);
      expect(
        loadInvitationTokens({ env: { INVITATION_TOKEN_SECRET: current }, dataDir }).verify(old),
      ).toBeUndefined();
    });
  });
});
