import 'reflect-metadata';
import { exitOnStartupFailure, runServiceFromEnvironment } from '@app/platform';
import { createGatewayApp, GATEWAY_DEFAULT_PORT } from './gateway.app';

runServiceFromEnvironment('gateway', GATEWAY_DEFAULT_PORT, createGatewayApp).catch(
  exitOnStartupFailure('gateway'),
);
