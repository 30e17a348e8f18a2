import { Injectable, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { perRoute } from '../http/per-route';
import { type FastifyReply } from 'fastify';
import { ACCESS_TOKEN_REALM, ExpiredAccessTokenException } from './access-token.strategy';
import { PUBLIC_ROUTE } from './caller';

/** Every route needs a valid access token unless marked @Public(): authentication is the default, not an opt-in. */
@Injectable()
export class AccessTokenGuard extends AuthGuard('access-token') {
  private readonly isPublic = perRoute(
    (handler, classRef) =>
      this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler, classRef]) === true,
  );

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    return this.isPublic(context) ? true : super.canActivate(context);
  }

  /** A 401 carries the `WWW-Authenticate` challenge RFC 6750 asks for: `error="invalid_token"` when one was sent. */
  override handleRequest<TUser>(
    error: unknown,
    user: TUser | false,
    challenge: unknown,
    context: ExecutionContext,
  ): TUser {
    if (error instanceof ExpiredAccessTokenException)
      challengeWith(
        context,
        `Bearer realm="${ACCESS_TOKEN_REALM}", error="invalid_token", error_description="The access token expired"`,
      );
    if (error) throw error;
    if (!user) {
      if (typeof challenge === 'string') challengeWith(context, challenge);
      throw new UnauthorizedException({ code: 'unauthenticated', title: 'A valid access token is required' });
    }
    return user;
  }
}

function challengeWith(context: ExecutionContext, challenge: string): void {
  context.switchToHttp().getResponse<FastifyReply>().header('www-authenticate', challenge);
}
