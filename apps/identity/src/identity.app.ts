import { type INestApplication } from '@nestjs/common';
import { type DestinationStream } from 'pino';
import { createHttpApp, type ResolvedInfrastructure } from '@app/platform';
import { IdentityModule, type IdentityModuleOptions } from './app.module';

export const IDENTITY_DEFAULT_PORT = 3001;

export function createIdentityApp(
  infra: ResolvedInfrastructure,
  options: { quiet?: boolean; logTo?: DestinationStream } & IdentityModuleOptions = {},
): Promise<INestApplication> {
  const { quiet, logTo, ...moduleOptions } = options;
  return createHttpApp(IdentityModule.register(infra, moduleOptions), {
    service: 'identity',
    ...(quiet !== undefined ? { quiet } : {}),
    ...(logTo ? { logTo } : {}),
  });
}
