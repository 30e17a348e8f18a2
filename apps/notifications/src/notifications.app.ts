import { type INestApplication } from '@nestjs/common';
import { type DestinationStream } from 'pino';
import { createHttpApp, type ResolvedInfrastructure } from '@app/platform';
import { NotificationsModule, readNotificationsOptions, type NotificationsOptions } from './app.module';

export const NOTIFICATIONS_DEFAULT_PORT = 3003;

export function createNotificationsApp(
  infra: ResolvedInfrastructure,
  options: { quiet?: boolean; delivery?: NotificationsOptions; logTo?: DestinationStream } = {},
): Promise<INestApplication> {
  return createHttpApp(NotificationsModule.register(infra, options.delivery ?? readNotificationsOptions()), {
    service: 'notifications',
    ...(options.quiet !== undefined ? { quiet: options.quiet } : {}),
    ...(options.logTo ? { logTo: options.logTo } : {}),
  });
}
