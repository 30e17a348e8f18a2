import 'reflect-metadata';
import { exitOnStartupFailure, runServiceFromEnvironment } from '@app/platform';
import { createIdentityApp, IDENTITY_DEFAULT_PORT } from './identity.app';

runServiceFromEnvironment('identity', IDENTITY_DEFAULT_PORT, createIdentityApp).catch(
  exitOnStartupFailure('identity'),
);
