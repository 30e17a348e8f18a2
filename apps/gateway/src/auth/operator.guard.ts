import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { type Caller } from './caller';

/**
 * The operator routes: a signed-in caller whose user id is in IDENTITY_OPERATORS, in a session opened with a second
 * factor (unless OPERATORS_REQUIRE_TWO_FACTOR=false): one operator's password must not be enough, from anywhere, to
 * lock accounts or erase people. An action (anything but a read) also needs a recent sign-in: a refresh token lives
 * 30 days, and one leaked from an operator's machine must not lock or erase for all that time.
 */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ user?: Caller; method: string }>();
    const caller = request.user;
    if (!caller || !this.config.operators.includes(caller.userId))
      throw new DomainError('operator-only', 'forbidden', 'this is for operators');
    if (this.config.operatorsRequireTwoFactor && !caller.twoFactor)
      throw new DomainError(
        'two-factor-required',
        'forbidden',
        'operator routes need a session opened with a second factor (OPERATORS_REQUIRE_TWO_FACTOR)',
      );
    if (!isRead(request.method) && !this.signedInRecently(caller))
      throw new DomainError(
        'sign-in-too-old',
        'forbidden',
        'an operator action needs a session signed in to recently (OPERATOR_SIGN_IN_MAX_AGE_MS): sign in again',
      );
    return true;
  }

  /** Tokens from before sessions carried their sign-in time have none, and count as too old. */
  private signedInRecently(caller: Caller): boolean {
    return (
      caller.signedInAt !== undefined && Date.now() - caller.signedInAt <= this.config.operatorSignInMaxAgeMs
    );
  }
}

function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}
