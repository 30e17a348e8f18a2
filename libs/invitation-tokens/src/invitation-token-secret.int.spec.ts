import { statSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '@app/testing';
import { loadInvitationTokenSecret } from './invitation-token-secret';

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
});
