import { randomUUID, sign, verify, type JsonWebKey } from 'node:crypto';
import { type SigningKey } from './signing-key';

/*
 * EdDSA (Ed25519) JWTs with node:crypto. `jose` is the library of choice, but its v6 is ESM-only and the Jest setup
 * loads CommonJS; the format is small enough to hold to RFC 7515/7519/9068 here, with the algorithm pinned on our
 * side (never taken from the token header), which is what defeats `alg: none` and HS256-with-the-public-key.
 */
const ALG = 'EdDSA';
const TYP = 'at+jwt';

export interface AccessTokenOptions {
  readonly issuer: string;
  readonly audience: string;
  /** Default 300 s (5 min); longer lifetimes are refused. */
  readonly ttlSeconds?: number;
  readonly signingKey: SigningKey;
  /** Older keys still accepted for verification during a key rotation (and published in the JWKS). */
  readonly previousKeys?: readonly SigningKey[];
  /** Allowed clock skew when checking exp / nbf / iat. */
  readonly clockToleranceSeconds?: number;
  readonly now?: () => number;
}

export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  /** Session (refresh-token family) id, so a revoked session can be told apart. */
  readonly sid?: string;
  /** Authentication methods, e.g. ['pwd'] or ['pwd', 'otp'] (R22 checks for 'otp'). */
  readonly amr?: readonly string[];
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly expiresAt: Date;
  readonly claims: AccessTokenClaims;
}

export type InvalidTokenReason =
  | 'malformed'
  | 'unsupported-algorithm'
  | 'unknown-key'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'missing-subject';

export class InvalidAccessTokenError extends Error {
  readonly code = 'invalid-token';
  constructor(readonly reason: InvalidTokenReason) {
    super(`invalid access token: ${reason}`);
    this.name = 'InvalidAccessTokenError';
  }
}

export interface Jwks {
  readonly keys: ReadonlyArray<JsonWebKey & { kid: string; alg: string; use: string }>;
}

const MAX_TTL_SECONDS = 300;

export class AccessTokenService {
  private readonly ttlSeconds: number;
  private readonly tolerance: number;
  private readonly now: () => number;
  private readonly keys: ReadonlyMap<string, SigningKey>;

  constructor(private readonly options: AccessTokenOptions) {
    this.ttlSeconds = options.ttlSeconds ?? MAX_TTL_SECONDS;
    if (!(this.ttlSeconds > 0 && this.ttlSeconds <= MAX_TTL_SECONDS))
      throw new Error(`access-token lifetime must be 1-${MAX_TTL_SECONDS} seconds`);
    this.tolerance = options.clockToleranceSeconds ?? 5;
    this.now = options.now ?? Date.now;
    this.keys = new Map([options.signingKey, ...(options.previousKeys ?? [])].map((k) => [k.kid, k]));
  }

  issue(subject: string, extra: { sid?: string; amr?: readonly string[] } = {}): IssuedAccessToken {
    const iat = Math.floor(this.now() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.options.issuer,
      aud: this.options.audience,
      sub: subject,
      iat,
      exp: iat + this.ttlSeconds,
      jti: randomUUID(),
      ...(extra.sid ? { sid: extra.sid } : {}),
      ...(extra.amr ? { amr: [...extra.amr] } : {}),
    };
    const key = this.options.signingKey;
    const input = `${encode({ alg: ALG, typ: TYP, kid: key.kid })}.${encode(claims)}`;
    const signature = sign(null, Buffer.from(input), key.privateKey).toString('base64url');
    return { token: `${input}.${signature}`, expiresAt: new Date(claims.exp * 1000), claims };
  }

  /** The claims of a valid token, or InvalidAccessTokenError saying why not. */
  verify(token: string): AccessTokenClaims {
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !BASE64URL.test(p)))
      throw new InvalidAccessTokenError('malformed');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decodeObject(headerPart);
    if (header.alg !== ALG || header.crit !== undefined)
      throw new InvalidAccessTokenError('unsupported-algorithm');
    const key = typeof header.kid === 'string' ? this.keys.get(header.kid) : undefined;
    if (!key) throw new InvalidAccessTokenError('unknown-key');
    if (!signatureMatches(`${headerPart}.${payloadPart}`, signaturePart, key))
      throw new InvalidAccessTokenError('bad-signature');

    const claims = decodeObject(payloadPart);
    const now = Math.floor(this.now() / 1000);
    if (typeof claims.exp !== 'number' || now >= claims.exp + this.tolerance)
      throw new InvalidAccessTokenError('expired');
    if (typeof claims.iat === 'number' && claims.iat > now + this.tolerance)
      throw new InvalidAccessTokenError('not-yet-valid');
    if (typeof claims.nbf === 'number' && claims.nbf > now + this.tolerance)
      throw new InvalidAccessTokenError('not-yet-valid');
    if (claims.iss !== this.options.issuer) throw new InvalidAccessTokenError('wrong-issuer');
    const audiences = Array.isArray(claims.aud) ? (claims.aud as unknown[]) : [claims.aud];
    if (!audiences.includes(this.options.audience)) throw new InvalidAccessTokenError('wrong-audience');
    if (typeof claims.sub !== 'string' || claims.sub === '')
      throw new InvalidAccessTokenError('missing-subject');
    return claims as unknown as AccessTokenClaims;
  }

  /** The public keys as a JWKS document (RFC 7517), current key first. */
  jwks(): Jwks {
    return {
      keys: [...this.keys.values()].map((k) => ({
        ...k.publicKey.export({ format: 'jwk' }),
        kid: k.kid,
        alg: ALG,
        use: 'sig',
      })),
    };
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function signatureMatches(input: string, signaturePart: string, key: SigningKey): boolean {
  try {
    return verify(null, Buffer.from(input), key.publicKey, Buffer.from(signaturePart, 'base64url'));
  } catch {
    return false;
  }
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeObject(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new InvalidAccessTokenError('malformed');
}
