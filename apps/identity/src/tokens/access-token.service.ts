import { randomUUID } from 'node:crypto';
import { exportJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  AccessTokenVerifier,
  type AccessTokenClaims,
} from '@app/access-tokens';
import { type SigningKey } from './signing-key';

export { InvalidAccessTokenError, type AccessTokenClaims, type InvalidTokenReason } from '@app/access-tokens';

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

export interface IssuedAccessToken {
  readonly token: string;
  readonly expiresAt: Date;
  readonly claims: AccessTokenClaims;
}

export type Jwks = JSONWebKeySet & { readonly keys: (JWK & { kid: string; alg: string; use: string })[] };

const MAX_TTL_SECONDS = 300;

/**
 * Identity's access tokens: EdDSA JWTs (RFC 9068 `at+jwt`) signed and verified with `jose`, their public keys
 * published as a JWKS (current key first, previous keys during a rotation).
 */
export class AccessTokenService {
  private readonly ttlSeconds: number;
  private readonly now: () => number;
  private jwksDocument: Promise<Jwks> | undefined;
  private verifier: Promise<AccessTokenVerifier> | undefined;

  constructor(private readonly options: AccessTokenOptions) {
    this.ttlSeconds = options.ttlSeconds ?? MAX_TTL_SECONDS;
    if (!(this.ttlSeconds > 0 && this.ttlSeconds <= MAX_TTL_SECONDS))
      throw new Error(`access-token lifetime must be 1-${MAX_TTL_SECONDS} seconds`);
    this.now = options.now ?? Date.now;
  }

  async issue(
    subject: string,
    extra: { sid?: string; amr?: readonly string[]; authTime?: Date } = {},
  ): Promise<IssuedAccessToken> {
    // Milliseconds kept (RFC 7519 NumericDate may be fractional): the gateway refuses tokens issued before the user's
    // sessions ended, and a session opened in the same second after a password change must not count as before it.
    const iat = this.now() / 1000;
    const claims: AccessTokenClaims = {
      iss: this.options.issuer,
      aud: this.options.audience,
      sub: subject,
      iat,
      exp: Math.floor(iat) + this.ttlSeconds,
      jti: randomUUID(),
      ...(extra.sid ? { sid: extra.sid } : {}),
      ...(extra.amr ? { amr: [...extra.amr] } : {}),
      ...(extra.authTime ? { auth_time: Math.floor(extra.authTime.getTime() / 1000) } : {}),
    };
    const key = this.options.signingKey;
    const token = await new SignJWT({ ...claims, amr: claims.amr ? [...claims.amr] : undefined })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid: key.kid })
      .sign(key.privateKey);
    return { token, expiresAt: new Date(claims.exp * 1000), claims };
  }

  /** The claims of a valid token, or InvalidAccessTokenError saying why not. */
  async verify(token: string): Promise<AccessTokenClaims> {
    this.verifier ??= this.jwks().then(
      (keys) =>
        new AccessTokenVerifier({
          issuer: this.options.issuer,
          audience: this.options.audience,
          keys,
          now: this.now,
          ...(this.options.clockToleranceSeconds !== undefined
            ? { clockToleranceSeconds: this.options.clockToleranceSeconds }
            : {}),
        }),
    );
    return (await this.verifier).verify(token);
  }

  /** The public keys as a JWKS document (RFC 7517), current key first. */
  jwks(): Promise<Jwks> {
    this.jwksDocument ??= Promise.all(
      [this.options.signingKey, ...(this.options.previousKeys ?? [])].map(async (k) => ({
        ...(await exportJWK(k.publicKey)),
        kid: k.kid,
        alg: ACCESS_TOKEN_ALGORITHM,
        use: 'sig',
      })),
    ).then((keys) => ({ keys }));
    return this.jwksDocument;
  }
}
