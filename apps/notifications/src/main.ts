import 'reflect-metadata';
import { exitOnStartupFailure, runServiceFromEnvironment } from '@app/platform';
import { createNotificationsApp, NOTIFICATIONS_DEFAULT_PORT } from './notifications.app';

runServiceFromEnvironment('notifications', NOTIFICATIONS_DEFAULT_PORT, createNotificationsApp).catch(
  exitOnStartupFailure('notifications'),
);
