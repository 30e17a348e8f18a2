import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { configuredSecretsRequired } from './service-config';

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
  /** What to generate on the embedded default (default: 32 random bytes, base64url). */
  readonly generate?: () => string;
  /** A configured value shorter than this (in bytes) is refused: a guessable secret is worse than none. */
  readonly minBytes?: number;
}): string {
  const env = options.env ?? process.env;
  const configured = env[options.variable];
  if (configured) return longEnough(configured, options.variable, options.minBytes);
  if (configuredSecretsRequired(env))
    throw new Error(`${options.variable} must be set (REQUIRE_CONFIGURED_SECRETS=true)`);
  const path = join(options.dataDir, 'secrets', options.file);
  if (existsSync(path)) return existingSecret(path);
  const secret = options.generate ? options.generate() : randomBytes(32).toString('base64url');
  mkdirSync(dirname(path), { recursive: true });
  // Written aside, then linked into place: the link is atomic and refuses an existing name, so of services starting
  // at once on one folder (docker compose) the first wins for all, and nobody reads a file half written.
  const written = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(written, secret, { mode: 0o600, flush: true });
  try {
    linkSync(written, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return existingSecret(path);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    // A filesystem without hard links: an exclusive create is the next best thing.
    try {
      writeFileSync(path, secret, { mode: 0o600, flag: 'wx', flush: true });
    } catch (created) {
      if ((created as NodeJS.ErrnoException).code === 'EEXIST') return existingSecret(path);
      throw created;
    }
  } finally {
    unlinkSync(written);
  }
  chmodSync(path, 0o600);
  return secret;
}

/** At least `minBytes` bytes, else refused naming the setting (never the value). */
export function longEnough(secret: string, variable: string, minBytes = 0): string {
  if (Buffer.byteLength(secret) < minBytes)
    throw new Error(`${variable} must be at least ${minBytes} bytes (e.g. openssl rand -base64 32)`);
  return secret;
}

function existingSecret(path: string): string {
  const secret = readFileSync(path, 'utf8').trim();
  if (!secret)
    throw new Error(`${path} is empty: delete it to have a new secret generated, or set the variable`);
  return secret;
}
