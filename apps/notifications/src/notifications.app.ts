import { type INestApplication } from '@nestjs/common';
import { createHttpApp, type ResolvedInfrastructure } from '@app/platform';
import { NotificationsModule } from './app.module';

export const NOTIFICATIONS_DEFAULT_PORT = 3003;

export function createNotificationsApp(
  infra: ResolvedInfrastructure,
  options: { quiet?: boolean } = {},
): Promise<INestApplication> {
  return createHttpApp(NotificationsModule.register(infra), { service: 'notifications', ...options });
}
