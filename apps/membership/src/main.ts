import 'reflect-metadata';
import { exitOnStartupFailure, runServiceFromEnvironment } from '@app/platform';
import { createMembershipApp, MEMBERSHIP_DEFAULT_PORT } from './membership.app';

runServiceFromEnvironment('membership', MEMBERSHIP_DEFAULT_PORT, createMembershipApp).catch(
  exitOnStartupFailure('membership'),
);
