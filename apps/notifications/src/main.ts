import 'reflect-metadata';
import { runServiceFromEnvironment } from '@app/platform';
import { createNotificationsApp, NOTIFICATIONS_DEFAULT_PORT } from './notifications.app';

runServiceFromEnvironment('notifications', NOTIFICATIONS_DEFAULT_PORT, createNotificationsApp).catch(
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
