import { RouteConfig } from '@nestjs/platform-fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route reads `text/csv` bodies (imports); every other route answers them 415. */
    readonly takesCsv?: boolean;
  }
}

/** This route reads `text/csv` bodies (imports); every other route answers them 415. */
export const TakesCsv = () => RouteConfig({ takesCsv: true });
