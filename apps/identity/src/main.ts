import 'reflect-metadata';
import { runServiceFromEnvironment } from '@app/platform';
import { createIdentityApp, IDENTITY_DEFAULT_PORT } from './identity.app';

runServiceFromEnvironment('identity', IDENTITY_DEFAULT_PORT, createIdentityApp).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
