import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';

export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';
export const ACCESS_TOKEN_TYPE = 'at+jwt';

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
  /** When the session was signed in to (seconds, as OpenID Connect's claim); its refreshes keep it. */
  readonly auth_time?: number;
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
  | 'missing-subject'
  | 'keys-unavailable';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export class InvalidAccessTokenError extends Error {
  readonly code = 'invalid-token';
  constructor(
    readonly reason: InvalidTokenReason,
    options?: { cause?: unknown },
  ) {
    super(`invalid access token: ${reason}`, options);
    this.name = 'InvalidAccessTokenError';
  }
}

export interface AccessTokenVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  /** The issuer's public keys: a JWKS document, or its URL (fetched, cached, refetched for an unknown `kid`). */
  readonly keys: JSONWebKeySet | URL;
  /** Allowed clock skew when checking exp / nbf / iat (default 5 s). */
  readonly clockToleranceSeconds?: number;
  /** How long fetched keys are used before they are fetched again (default 10 minutes). */
  readonly cacheMaxAgeMs?: number;
  /** The least time between two fetches prompted by unknown keys, so forged `kid`s cannot flood the issuer (10 s). */
  readonly refetchCooldownMs?: number;
  readonly now?: () => number;
  /** How many verified tokens are remembered until they expire, so a client's next request skips the signature check (default 10,000; 0 turns it off). */
  readonly rememberedTokens?: number;
}

/**
 * Verifies identity's access tokens with `jose`: EdDSA only (the algorithm is pinned here, never taken from the
 * token, which is what defeats `alg: none` and HS256-with-the-public-key), `typ: at+jwt`, issuer, audience, expiry
 * with a small tolerance, a subject. Keys are imported once and reused; a token signed by a key not yet known makes
 * a remote key set refetch (rotation), within jose's cooldown.
 */
export class AccessTokenVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly now: () => number;
  private readonly remembered: VerifiedTokens;

  constructor(private readonly options: AccessTokenVerifierOptions) {
    this.keys =
      options.keys instanceof URL
        ? keysUnavailableWhenUnfetchable(
            createRemoteJWKSet(options.keys, {
              cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
              cooldownDuration: options.refetchCooldownMs ?? 10_000,
            }),
          )
        : createLocalJWKSet(options.keys);
    this.now = options.now ?? Date.now;
    this.remembered = new VerifiedTokens(options.rememberedTokens ?? 10_000);
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    const tolerance = this.options.clockToleranceSeconds ?? 5;
    const known = this.remembered.get(token, this.now() / 1000 - tolerance);
    if (known) return known;
    const claims = await this.verifySignatureAndClaims(token, tolerance);
    this.remembered.add(token, claims);
    return claims;
  }

  private async verifySignatureAndClaims(token: string, tolerance: number): Promise<AccessTokenClaims> {
    // Base64url without padding, as JWS compact serialization writes it: the decoder would also take `=`, spaces or
    // stray characters, giving one token several spellings that all verify. (An empty signature, `alg: none`'s, is
    // left for jose to refuse by its algorithm.)
    if (!COMPACT_JWS.test(token)) throw new InvalidAccessTokenError('malformed');
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        typ: ACCESS_TOKEN_TYPE,
        issuer: this.options.issuer,
        audience: this.options.audience,
        // `iat` orders the token against the moment its user's sessions ended (a password change, a lock): a token
        // without one would pass that check whatever it was.
        requiredClaims: ['exp', 'sub', 'iat'],
        clockTolerance: tolerance,
        currentDate: new Date(this.now()),
      });
      if (typeof payload.sub !== 'string' || payload.sub === '')
        throw new InvalidAccessTokenError('missing-subject');
      return payload as unknown as AccessTokenClaims;
    } catch (error) {
      throw new InvalidAccessTokenError(reasonOf(error));
    }
  }
}

/**
 * Tokens that verified, with their claims, until they expire: the same bytes verify the same way, so a client's
 * next request costs a map lookup instead of an EdDSA check. Bounded; the oldest entry goes first.
 */
class VerifiedTokens {
  private readonly claims = new Map<string, AccessTokenClaims>();

  constructor(private readonly capacity: number) {}

  /** The claims of `token` if it verified before and has not expired by `expiredBefore` (seconds). */
  get(token: string, expiredBefore: number): AccessTokenClaims | undefined {
    const claims = this.claims.get(token);
    if (!claims) return undefined;
    if (claims.exp > expiredBefore) return claims;
    this.claims.delete(token);
    return undefined;
  }

  add(token: string, claims: AccessTokenClaims): void {
    if (this.capacity === 0) return;
    if (this.claims.size >= this.capacity) this.claims.delete(this.claims.keys().next().value!);
    if (claims.amr) Object.freeze(claims.amr);
    this.claims.set(token, Object.freeze(claims));
  }
}

/**
 * The issuer's key set not answering, answering an error or something that is not a key set is its outage, not the
 * token's fault: jose reports a failed fetch as a plain TypeError, which would otherwise read as a malformed token.
 */
function keysUnavailableWhenUnfetchable(keys: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
        throw error;
      throw new InvalidAccessTokenError('keys-unavailable', { cause: error });
    }
  };
}

function reasonOf(error: unknown): InvalidTokenReason {
  if (error instanceof InvalidAccessTokenError) return error.reason;
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return 'unsupported-algorithm';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return 'unknown-key';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWKSTimeout) return 'keys-unavailable';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'wrong-issuer';
    if (error.claim === 'aud') return 'wrong-audience';
    if (error.claim === 'iat' && error.reason === 'missing') return 'malformed';
    if (error.claim === 'nbf' || error.claim === 'iat') return 'not-yet-valid';
    if (error.claim === 'sub') return 'missing-subject';
    // An `exp` past is JWTExpired (above); here it is missing or not a time: no token identity signs.
    return 'malformed';
  }
  if (error instanceof errors.JOSEError) return 'malformed';
  if (error instanceof TypeError || error instanceof SyntaxError) return 'malformed';
  return 'keys-unavailable';
}
