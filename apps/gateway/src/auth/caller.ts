import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The signed-in caller, from a verified access token. */
export interface Caller {
  readonly userId: string;
  /** R22: the session was opened with a second factor (`amr` contains `otp`). */
  readonly twoFactor: boolean;
  /** The session (refresh-token family) the access token was issued in: its `sid`. */
  readonly sessionId?: string;
  /** When the session was signed in to (ms since the epoch; the token's `auth_time`), refreshes or not. */
  readonly signedInAt?: number;
}

export { Public, PUBLIC_ROUTE } from '@app/platform';

/** The caller of a signed-in route. */
export const CurrentCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Caller =>
    context.switchToHttp().getRequest<{ user?: unknown }>().user as Caller,
);
