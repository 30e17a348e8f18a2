import { Injectable, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { perRoute } from '../http/per-route';
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

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error;
    if (!user)
      throw new UnauthorizedException({ code: 'unauthenticated', title: 'A valid access token is required' });
    return user;
  }
}
