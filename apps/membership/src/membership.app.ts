import { type INestApplication } from '@nestjs/common';
import { type DestinationStream } from 'pino';
import { createHttpApp, type ResolvedInfrastructure } from '@app/platform';
import { MembershipModule } from './app.module';
import { readMembershipConfig, type MembershipConfig } from './config/membership.config';

export const MEMBERSHIP_DEFAULT_PORT = 3002;

export function createMembershipApp(
  infra: ResolvedInfrastructure,
  options: { quiet?: boolean; config?: Partial<MembershipConfig>; logTo?: DestinationStream } = {},
): Promise<INestApplication> {
  return createHttpApp(MembershipModule.register(infra, { ...readMembershipConfig(), ...options.config }), {
    service: 'membership',
    ...(options.quiet !== undefined ? { quiet: options.quiet } : {}),
    ...(options.logTo ? { logTo: options.logTo } : {}),
  });
}
