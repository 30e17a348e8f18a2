import { type INestApplication } from '@nestjs/common';
import { createHttpApp, type ResolvedInfrastructure } from '@app/platform';
import { MembershipModule } from './app.module';

export const MEMBERSHIP_DEFAULT_PORT = 3002;

export function createMembershipApp(
  infra: ResolvedInfrastructure,
  options: { quiet?: boolean } = {},
): Promise<INestApplication> {
  return createHttpApp(MembershipModule.register(infra), { service: 'membership', ...options });
}
