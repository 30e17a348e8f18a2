import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { AccessTokenVerifier, InvalidAccessTokenError } from '@app/access-tokens';
import { DependencyUnavailableError } from '@app/messaging';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG, READ_MODELS } from '../gateway.tokens';
import { type ReadModels } from '../read-models/read-models';
import { type Caller } from './caller';

/**
 * `Authorization: Bearer <access token>`: identity's EdDSA JWT, verified with `jose` against identity's JWKS (fetched,
 * cached, refetched when a rotated key appears). The caller is the token's subject; nothing else in a request names
 * who is asking. A token outlives a lock or a deletion by its few minutes: the subject's account as the read models
 * know it is checked too, so a locked or deleted account's token is refused at once (an account not projected yet,
 * just registered, is not refused).
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, 'access-token') {
  private readonly verifier: AccessTokenVerifier;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(READ_MODELS) private readonly models: ReadModels,
  ) {
    super();
    this.verifier = new AccessTokenVerifier({
      issuer: config.issuer,
      audience: config.audience,
      keys: new URL(config.jwksUrl),
    });
  }

  async validate(token: string): Promise<Caller | false> {
    try {
      const claims = await this.verifier.verify(token);
      if (!(await this.accountLive(claims.sub))) return false;
      return {
        userId: claims.sub,
        twoFactor: claims.amr?.includes('otp') === true,
        ...(claims.sid ? { sessionId: claims.sid } : {}),
      };
    } catch (error) {
      if (!(error instanceof InvalidAccessTokenError)) throw error;
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

  private async accountLive(userId: string): Promise<boolean> {
    const user = await this.models.users.get(userId);
    if (user) return !user.locked;
    return (await this.models.users.revisionOf(userId))?.deleted !== true;
  }
}
