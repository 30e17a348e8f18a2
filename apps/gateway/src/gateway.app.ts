import { type INestApplication } from '@nestjs/common';
import { createHttpApp, type ResolvedInfrastructure } from '@app/platform';
import { GatewayModule } from './app.module';

export const GATEWAY_DEFAULT_PORT = 3000;

export function createGatewayApp(
  infra: ResolvedInfrastructure,
  options: { quiet?: boolean } = {},
): Promise<INestApplication> {
  return createHttpApp(GatewayModule.register(infra), { service: 'gateway', ...options });
}
