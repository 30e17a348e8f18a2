import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The key of invitation links, shared by membership (verifies) and notifications (renders links):
 * `INVITATION_TOKEN_SECRET` when set; otherwise (the embedded default) one generated once and kept in
 * `<dataDir>/secrets/invitation-token.key` (mode 0600), so links survive restarts.
 */
export function loadInvitationTokenSecret(options: { env?: NodeJS.ProcessEnv; dataDir: string }): string {
  const env = options.env ?? process.env;
  if (env.INVITATION_TOKEN_SECRET) return env.INVITATION_TOKEN_SECRET;
  if (env.REQUIRE_CONFIGURED_SECRETS === 'true')
    throw new Error('INVITATION_TOKEN_SECRET must be set (REQUIRE_CONFIGURED_SECRETS=true)');
  const file = join(options.dataDir, 'secrets', 'invitation-token.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
