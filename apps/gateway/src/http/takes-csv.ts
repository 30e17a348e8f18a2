import { RouteConfig } from '@nestjs/platform-fastify';

/** The key in a route's Fastify config that lets a `text/csv` body through to it. */
export const TAKES_CSV = 'takesCsv';

/** This route reads `text/csv` bodies (imports); every other route answers them 415. */
export const TakesCsv = () => RouteConfig({ [TAKES_CSV]: true });
