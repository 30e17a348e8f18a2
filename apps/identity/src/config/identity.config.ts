import { readFileSync } from 'node:fs';
import { configuredSecretsRequired, positiveInt } from '@app/platform';
import { DEFAULT_ARGON2_PARAMETERS, type Argon2Parameters } from '../credentials/password-hasher';
import { type ThrottleLimit } from '../throttling/login-throttle';

/** Everything identity reads from its environment; README "Identity configuration" documents each variable. */
export interface IdentityConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlMs: number;
  /** PKCS#8 PEM of the Ed25519 signing key; absent = generated once and kept under the data directory. */
  readonly signingKeyPem?: string;
  /**
   * Keys published in the JWKS besides the signing key, not signed with (`IDENTITY_ADDITIONAL_KEYS_PEM`, one or more
   * PEM blocks): the next key before a rotation, so every verifier knows it before any token carries it; the previous
   * one after, until the tokens it signed have expired.
   */
  readonly additionalKeysPem: readonly string[];
  /** Base64 of 32 bytes sealing TOTP secrets at rest; absent = generated once under the data directory. */
  readonly totpEncryptionKey?: string;
  readonly argon2: Argon2Parameters;
  readonly accountThrottle: ThrottleLimit;
  readonly ipThrottle: ThrottleLimit;
  readonly verificationTokenTtlMs: number;
  readonly resetTokenTtlMs: number;
  /** Base of the links put into e-mails, e.g. https://app.example.com. */
  readonly publicUrl: string;
  /** User ids of platform operators (may lock and unlock accounts). */
  readonly operators: readonly string[];
}

const MINUTE = 60_000;

export function readIdentityConfig(env: NodeJS.ProcessEnv = process.env): IdentityConfig {
  const int = (name: string, fallback: number) => positiveInt(env[name], fallback, name);
  const accessTokenTtlSeconds = int('ACCESS_TOKEN_TTL_SECONDS', 300);
  if (accessTokenTtlSeconds > 300)
    throw new Error('ACCESS_TOKEN_TTL_SECONDS must be at most 300 (5 minutes)');
  const pemFile = env.IDENTITY_SIGNING_KEY_FILE;
  const signingKeyPem = env.IDENTITY_SIGNING_KEY_PEM ?? (pemFile ? readFileSync(pemFile, 'utf8') : undefined);
  if (configuredSecretsRequired(env)) {
    // Several replicas must share these; generated ones would differ per pod.
    for (const [name, value] of [
      ['IDENTITY_SIGNING_KEY_PEM or IDENTITY_SIGNING_KEY_FILE', signingKeyPem],
      ['TOTP_ENCRYPTION_KEY', env.TOTP_ENCRYPTION_KEY],
    ] as const)
      if (!value) throw new Error(`${name} must be set (REQUIRE_CONFIGURED_SECRETS=true)`);
  }
  return {
    issuer: env.IDENTITY_ISSUER ?? 'http://127.0.0.1:3001',
    audience: env.IDENTITY_AUDIENCE ?? 'identity-platform',
    accessTokenTtlSeconds,
    refreshTokenTtlMs: int('REFRESH_TOKEN_TTL_DAYS', 30) * 24 * 60 * MINUTE,
    ...(signingKeyPem ? { signingKeyPem } : {}),
    additionalKeysPem: pemBlocks(env.IDENTITY_ADDITIONAL_KEYS_PEM ?? ''),
    ...(env.TOTP_ENCRYPTION_KEY ? { totpEncryptionKey: env.TOTP_ENCRYPTION_KEY } : {}),
    argon2: {
      memoryCost: int('ARGON2_MEMORY_KIB', DEFAULT_ARGON2_PARAMETERS.memoryCost),
      timeCost: int('ARGON2_ITERATIONS', DEFAULT_ARGON2_PARAMETERS.timeCost),
      parallelism: int('ARGON2_PARALLELISM', DEFAULT_ARGON2_PARAMETERS.parallelism),
    },
    accountThrottle: {
      maxFailures: int('LOGIN_MAX_FAILURES_PER_ACCOUNT', 5),
      windowMs: int('LOGIN_FAILURE_WINDOW_MINUTES', 15) * MINUTE,
      lockMs: int('LOGIN_LOCK_MINUTES', 15) * MINUTE,
    },
    ipThrottle: {
      maxFailures: int('LOGIN_MAX_FAILURES_PER_IP', 100),
      windowMs: int('LOGIN_FAILURE_WINDOW_MINUTES', 15) * MINUTE,
      lockMs: int('LOGIN_LOCK_MINUTES', 15) * MINUTE,
    },
    verificationTokenTtlMs: int('EMAIL_VERIFICATION_TTL_HOURS', 24) * 60 * MINUTE,
    resetTokenTtlMs: int('PASSWORD_RESET_TTL_MINUTES', 30) * MINUTE,
    publicUrl: (env.PUBLIC_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, ''),
    operators: (env.IDENTITY_OPERATORS ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  };
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

function pemBlocks(text: string): string[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => m[0]);
}
