import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyStatic from '@fastify/static';
import { type FastifyReply } from 'fastify';

/** The console is static: its own code only, talking to this origin's API. */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the built console (`npm run console:build`) under `/console`: hashed assets kept by browsers for a year,
 * and `index.html` for every other path below it, which the console routes itself. The links in messages
 * (`/verify-email`, `/reset-password`, `/invitations` under PUBLIC_URL, the token in the fragment, which the browser
 * keeps through the redirect and never sends here) lead to the console's pages; `/invitations/<token>`, as links
 * were sent before, too.
 * Returns false, serving nothing, when the console has not been built.
 */
export function serveConsole(app: NestFastifyApplication, dir: string): boolean {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return false;
  const index = readFileSync(indexFile, 'utf8');
  const fastify = app.getHttpAdapter().getInstance();
  void fastify.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/console/assets/',
    decorateReply: false,
    index: false,
    immutable: true,
    maxAge: '365d',
  });
  const page = (_request: unknown, reply: FastifyReply) =>
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(index);
  fastify.get('/console', page);
  fastify.get('/console/*', page);
  const search = (url: string) => (url.includes('?') ? url.slice(url.indexOf('?')) : '');
  fastify.get('/verify-email', (request, reply) =>
    reply.redirect(`/console/verify-email${search(request.url)}`),
  );
  fastify.get('/reset-password', (request, reply) =>
    reply.redirect(`/console/reset-password${search(request.url)}`),
  );
  fastify.get('/invitations', (_request, reply) => reply.redirect('/console/invitations'));
  fastify.get<{ Params: { token: string } }>('/invitations/:token', (request, reply) =>
    reply.redirect(`/console/invitations/${encodeURIComponent(request.params.token)}`),
  );
  return true;
}
