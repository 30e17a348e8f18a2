import 'reflect-metadata';
import { runServiceFromEnvironment } from '@app/platform';
import { createGatewayApp, GATEWAY_DEFAULT_PORT } from './gateway.app';

runServiceFromEnvironment('gateway', GATEWAY_DEFAULT_PORT, createGatewayApp).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
