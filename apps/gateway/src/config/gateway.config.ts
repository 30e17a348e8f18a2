import { join } from 'node:path';
import { schemaBaseUrl } from '@app/contracts';
import { flag, positiveInt } from '@app/platform';

/** The gateway's own settings (README "gateway"); infrastructure settings come from the platform. */
export interface GatewayConfig {
  /** Identity's public keys: `IDENTITY_JWKS_URL` (default identity's `/.well-known/jwks.json` on the embedded ports). */
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** How long a request waits for a write service's answer before a 503 with Retry-After (default 5 s). */
  readonly commandTimeoutMs: number;
  /**
   * `IMPORT_ROW_MS`: what each row adds to an import's wait (default 50 ms), since the rows are invited one by one:
   * 1,000 rows wait up to 55 s with the defaults (here they took about 10 s on the embedded default, 27 s with the
   * personal-data keys in FerretDB).
   */
  readonly importRowMs: number;
  /** How long a command's answer waits for the read models to reach its revision before a 202 (default 2 s). */
  readonly readYourWritesMs: number;
  /**
   * `SESSION_CHECK_MS`: how long the gateway believes what identity said of a session (the `sid` of access tokens)
   * before asking again (default 15 s): a session ended by a logout elsewhere or by a stolen refresh token's reuse
   * stops being accepted within this, instead of when its access tokens expire.
   */
  readonly sessionCheckMs: number;
  /** Origins allowed by CORS (comma-separated `CORS_ORIGINS`; none by default). */
  readonly corsOrigins: readonly string[];
  /** The largest request body accepted, in bytes (default 256 KiB; imports up to 1,000 rows fit). */
  readonly bodyLimitBytes: number;
  /** `REQUEST_TIMEOUT_MS`: a request not arrived whole (body included) by then is answered 408 (default 30 s). */
  readonly requestTimeoutMs: number;
  /** Requests per minute per client address, and per signed-in user; auth routes get a fifth (defaults 600, 300). */
  readonly rateLimitPerIp: number;
  readonly rateLimitPerUser: number;
  /** Per client address on the auth routes (register, login, forgot, ...): default 20 per minute. */
  readonly authRateLimitPerIp: number;
  /** The built console (`npm run console:build`), served under /console when present. */
  readonly consoleDir: string;
  /** User ids allowed the operator routes (`IDENTITY_OPERATORS`, comma-separated, as identity reads it). */
  readonly operators: readonly string[];
  /**
   * `OPERATORS_REQUIRE_TWO_FACTOR` (default true): the operator routes (locking accounts, erasing invitees, rebuilding
   * read models) need a session opened with a second factor, not a password alone.
   */
  readonly operatorsRequireTwoFactor: boolean;
  /**
   * `OPERATOR_SIGN_IN_MAX_AGE_MS` (default 1 hour): an operator's action (any operator route but a read) needs a
   * session signed in to within it. Refreshing keeps the sign-in's time, so a refresh token taken from an operator
   * gives reads for as long as it lives, and no locking, erasing or rebuilding past this age.
   */
  readonly operatorSignInMaxAgeMs: number;
  /** Where the gateway's `/schemas` is reached from outside (`SCHEMA_BASE_URL`, else `PUBLIC_URL`). */
  readonly schemaBaseUrl: string;
  /**
   * `TRUST_PROXY`: which proxies in front may say, in `X-Forwarded-For`, who the client is - a number of hops (`1`
   * behind one ingress) or their addresses and CIDRs (comma-separated). None by default: the socket's address is the
   * client's, since a client reaching the gateway directly could otherwise name any address it likes.
   */
  readonly trustProxy: number | string | false;
  /**
   * `READ_MODEL_GROUP` (default `gateway.read-models`): the Kafka consumer group the read models are projected in.
   * Replicas sharing one read store share it; gateways keeping read stores of their own on one Kafka each need one.
   */
  readonly readModelGroup: string;
  /**
   * The group the state topics are written in, from the read models: `gateway.state-topics`, or
   * `<READ_MODEL_GROUP>.state-topics` with a group of its own, since it follows that read store's projection.
   */
  readonly stateTopicsGroup: string;
}

export function readGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const issuer = env.IDENTITY_ISSUER ?? 'http://127.0.0.1:3001';
  return {
    jwksUrl: env.IDENTITY_JWKS_URL ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`,
    issuer,
    audience: env.IDENTITY_AUDIENCE ?? 'identity-platform',
    commandTimeoutMs: positiveInt(env.COMMAND_TIMEOUT_MS, 5_000, 'COMMAND_TIMEOUT_MS'),
    importRowMs: positiveInt(env.IMPORT_ROW_MS, 50, 'IMPORT_ROW_MS'),
    readYourWritesMs: positiveInt(env.READ_YOUR_WRITES_MS, 2_000, 'READ_YOUR_WRITES_MS'),
    sessionCheckMs: positiveInt(env.SESSION_CHECK_MS, 15_000, 'SESSION_CHECK_MS'),
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    bodyLimitBytes: positiveInt(env.BODY_LIMIT_BYTES, 256 * 1024, 'BODY_LIMIT_BYTES'),
    requestTimeoutMs: positiveInt(env.REQUEST_TIMEOUT_MS, 30_000, 'REQUEST_TIMEOUT_MS'),
    rateLimitPerIp: positiveInt(env.RATE_LIMIT_PER_IP, 600, 'RATE_LIMIT_PER_IP'),
    rateLimitPerUser: positiveInt(env.RATE_LIMIT_PER_USER, 300, 'RATE_LIMIT_PER_USER'),
    authRateLimitPerIp: positiveInt(env.AUTH_RATE_LIMIT_PER_IP, 20, 'AUTH_RATE_LIMIT_PER_IP'),
    operators: (env.IDENTITY_OPERATORS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    operatorsRequireTwoFactor: flag(env.OPERATORS_REQUIRE_TWO_FACTOR, true, 'OPERATORS_REQUIRE_TWO_FACTOR'),
    operatorSignInMaxAgeMs: positiveInt(
      env.OPERATOR_SIGN_IN_MAX_AGE_MS,
      3_600_000,
      'OPERATOR_SIGN_IN_MAX_AGE_MS',
    ),
    schemaBaseUrl: schemaBaseUrl(env),
    trustProxy: trustProxyOf(env.TRUST_PROXY),
    consoleDir: env.CONSOLE_DIR ?? join(process.cwd(), 'apps/console/dist'),
    ...consumerGroupsOf(env.READ_MODEL_GROUP),
  };
}

function trustProxyOf(raw: string | undefined): number | string | false {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (/^\d+$/.test(value)) return Number(value);
  const addresses = value.split(',').map((a) => a.trim());
  if (addresses.some((a) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(a)))
    throw new Error(`TRUST_PROXY must be a number of proxies or their addresses/CIDRs, got "${raw}"`);
  return addresses.join(',');
}

function consumerGroupsOf(
  raw: string | undefined,
): Pick<GatewayConfig, 'readModelGroup' | 'stateTopicsGroup'> {
  const defaults = { readModelGroup: 'gateway.read-models', stateTopicsGroup: 'gateway.state-topics' };
  const value = raw?.trim() ?? '';
  if (value === '' || value === defaults.readModelGroup) return defaults;
  // Kafka's own rule for group ids is only "not empty"; a name like a topic's keeps metrics and ACLs readable.
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(value))
    throw new Error(`READ_MODEL_GROUP must be letters, digits, '.', '_' or '-' (at most 200), got "${raw}"`);
  // `gateway` would write the state topics in the default deployment's group.
  if (`${value}.state-topics` === defaults.stateTopicsGroup)
    throw new Error(`READ_MODEL_GROUP "${value}" would share the state topics' group of the default gateway`);
  return { readModelGroup: value, stateTopicsGroup: `${value}.state-topics` };
}
