import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { type Caller } from './caller';

/** The operator routes: a signed-in caller whose user id is in IDENTITY_OPERATORS. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const caller = context.switchToHttp().getRequest<{ user?: Caller }>().user;
    if (!caller || !this.config.operators.includes(caller.userId))
      throw new DomainError('operator-only', 'forbidden', 'this is for operators');
    return true;
  }
}
