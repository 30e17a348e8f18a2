import { type INestApplication } from '@nestjs/common';
import { createHttpApp, type ResolvedInfrastructure } from '@app/platform';
import { IdentityModule } from './app.module';

export const IDENTITY_DEFAULT_PORT = 3001;

export function createIdentityApp(
  infra: ResolvedInfrastructure,
  options: { quiet?: boolean } = {},
): Promise<INestApplication> {
  return createHttpApp(IdentityModule.register(infra), { service: 'identity', ...options });
}
