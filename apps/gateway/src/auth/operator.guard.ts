import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { type Caller } from './caller';

/**
 * The operator routes: a signed-in caller whose user id is in IDENTITY_OPERATORS, in a session opened with a second
 * factor (unless OPERATORS_REQUIRE_TWO_FACTOR=false): one operator's password must not be enough, from anywhere, to
 * lock accounts or erase people.
 */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const caller = context.switchToHttp().getRequest<{ user?: Caller }>().user;
    if (!caller || !this.config.operators.includes(caller.userId))
      throw new DomainError('operator-only', 'forbidden', 'this is for operators');
    if (this.config.operatorsRequireTwoFactor && !caller.twoFactor)
      throw new DomainError(
        'two-factor-required',
        'forbidden',
        'operator routes need a session opened with a second factor (OPERATORS_REQUIRE_TWO_FACTOR)',
      );
    return true;
  }
}
