import { type INestApplication } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type IncomingMessage, type ServerResponse } from 'node:http';

/** Runs for each request on its arrival, with Node's request and response; `routeOf` names the matched route later. */
export type RequestStep = (
  req: IncomingMessage,
  res: ServerResponse,
  routeOf: () => string | undefined,
) => void;

/** One hook under either adapter: an Express middleware, or a Fastify `onRequest` hook (no middleware layer). */
export function onEveryRequest(app: INestApplication, step: RequestStep): void {
  if (app.getHttpAdapter().getType() === 'fastify') {
    const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
    fastify.addHook('onRequest', (request, reply, done) => {
      step(request.raw, reply.raw, () => request.routeOptions.url);
      done();
    });
    return;
  }
  app.use((req: IncomingMessage & { route?: { path?: string } }, res: ServerResponse, next: () => void) => {
    step(req, res, () => req.route?.path);
    next();
  });
}
