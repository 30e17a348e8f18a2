import { type IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { AccessTokenVerifier, InvalidAccessTokenError } from '@app/access-tokens';
import { DependencyUnavailableError } from '@app/messaging';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG, READ_MODELS } from '../gateway.tokens';
import { type ReadModels } from '../read-models/read-models';
import { type Caller } from './caller';
import { SessionChecks } from './session-checks';

/** The realm a 401's `WWW-Authenticate: Bearer` challenge names (RFC 6750). */
export const ACCESS_TOKEN_REALM = 'identity-platform';

/** A genuine access token past its expiry: the 401 says so, so a client knows to refresh it rather than sign in. */
export class ExpiredAccessTokenException extends UnauthorizedException {
  constructor() {
    super({
      code: 'unauthenticated',
      title: 'The access token has expired: refresh it (POST /v1/auth/refresh) or sign in again',
    });
  }
}

/**
 * `Authorization: Bearer <access token>`: identity's EdDSA JWT, verified with `jose` against identity's JWKS (fetched,
 * cached, refetched when a rotated key appears). The caller is the token's subject; nothing else in a request names
 * who is asking. A token would outlive a lock, a deletion or the end of its sessions by its few minutes: the subject's
 * account as the read models know it is checked too, so the token of a locked or deleted account, or one issued
 * before a password change or reset or before two-factor was turned on, is refused at once (an account not projected
 * yet, just registered, is not refused). A token whose session was ended (a logout, a stolen refresh token's reuse)
 * is refused too: at once after a logout through this gateway, within `SESSION_CHECK_MS` otherwise (SessionChecks); so is
 * a token that names no session (`sid`).
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, 'access-token') {
  private readonly verifier: AccessTokenVerifier;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(READ_MODELS) private readonly models: ReadModels,
    private readonly sessions: SessionChecks,
  ) {
    super({ realm: ACCESS_TOKEN_REALM });
    this.verifier = new AccessTokenVerifier({
      issuer: config.issuer,
      audience: config.audience,
      keys: new URL(config.jwksUrl),
    });
  }

  /**
   * The token is read from the `Authorization` header only: passport-http-bearer also takes `access_token` from the
   * query or the body, where a token travels in URLs (proxy logs, browser history) and in what clients log.
   */
  override authenticate(req: { headers: IncomingHttpHeaders }, options?: object): void {
    super.authenticate({ headers: req.headers } as never, options as never);
  }

  async validate(token: string): Promise<Caller | false> {
    try {
      const claims = await this.verifier.verify(token);
      if (!(await this.accountLive(claims.sub, claims.iat))) return false;
      // Identity issues every access token inside a session; one without would outlive every logout, so none is taken.
      if (!claims.sid || !(await this.sessions.isActive(claims.sid))) return false;
      return {
        userId: claims.sub,
        twoFactor: claims.amr?.includes('otp') === true,
        sessionId: claims.sid,
        ...(typeof claims.auth_time === 'number' ? { signedInAt: claims.auth_time * 1000 } : {}),
      };
    } catch (error) {
      if (!(error instanceof InvalidAccessTokenError)) throw error;
      // Signed by identity and merely old (jose checks the signature before the claims): the client should refresh.
      if (error.reason === 'expired') throw new ExpiredAccessTokenException();
      if (error.reason !== 'keys-unavailable') return false;
      // Identity's keys could not be fetched: an outage (503), not the caller's fault.
      throw new DependencyUnavailableError(
        'the keys that sign access tokens cannot be fetched from identity',
        {
          cause: error,
        },
      );
    }
  }

  private async accountLive(userId: string, issuedAt: number): Promise<boolean> {
    const user = await this.models.users.get(userId);
    if (user) return !user.locked && !issuedBefore(issuedAt, user.sessionsEndedAt);
    return (await this.models.users.revisionOf(userId))?.deleted !== true;
  }
}

/** Identity's `iat` keeps milliseconds, and both instants come from identity's clock. */
function issuedBefore(issuedAt: number, sessionsEndedAt: string | undefined): boolean {
  return sessionsEndedAt !== undefined && issuedAt * 1000 < Date.parse(sessionsEndedAt);
}
