import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A secret several services (or replicas) must share: the environment variable when set; otherwise, on the embedded
 * default, one generated once and kept in `<dataDir>/secrets/<file>` (mode 0600), so it survives restarts and the
 * services started together share it. With REQUIRE_CONFIGURED_SECRETS=true nothing is invented.
 */
export function loadSharedSecret(options: {
  readonly variable: string;
  readonly file: string;
  readonly dataDir: string;
  readonly env?: NodeJS.ProcessEnv;
}): string {
  const env = options.env ?? process.env;
  const configured = env[options.variable];
  if (configured) return configured;
  if (env.REQUIRE_CONFIGURED_SECRETS === 'true')
    throw new Error(`${options.variable} must be set (REQUIRE_CONFIGURED_SECRETS=true)`);
  const path = join(options.dataDir, 'secrets', options.file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(path), { recursive: true });
  // Written aside, then linked into place: the link is atomic and refuses an existing name, so of services starting
  // at once on one folder (docker compose) the first wins for all, and nobody reads a file half written.
  const written = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(written, secret, { mode: 0o600 });
  try {
    linkSync(written, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(path, 'utf8').trim();
  } finally {
    unlinkSync(written);
  }
  chmodSync(path, 0o600);
  return secret;
}
