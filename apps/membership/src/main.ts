import 'reflect-metadata';
import { runServiceFromEnvironment } from '@app/platform';
import { createMembershipApp, MEMBERSHIP_DEFAULT_PORT } from './membership.app';

runServiceFromEnvironment('membership', MEMBERSHIP_DEFAULT_PORT, createMembershipApp).catch(
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
