import { STATUS_CODES } from 'node:http';
import { type Socket } from 'node:net';
import { type INestApplication } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { redactPathsIn, redactUrl } from './logger';
import { codeOfStatus, PROBLEM_CONTENT_TYPE, problemType } from './problem-details';

/**
 * Error answers the HTTP framework makes without Nest's exception filter (a path segment over Fastify's limit, an
 * unknown route's 404 with its own content type) become problem documents too: every error is
 * `application/problem+json` with a stable `code`. Successful answers are passed by on their status alone.
 */
export function problemsForFrameworkAnswers(app: INestApplication): void {
  if (app.getHttpAdapter().getType() !== 'fastify') return;
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode < 400 || typeof payload !== 'string') return done(null, payload);
    if (!String(reply.getHeader('content-type') ?? '').startsWith('application/json'))
      return done(null, payload);
    const problem = frameworkErrorAsProblem(payload, reply.statusCode, request.url);
    if (!problem) return done(null, payload);
    reply.header('content-type', PROBLEM_CONTENT_TYPE);
    done(null, problem);
  });
}

/**
 * The problem for a framework's own error body (`{ statusCode, error, message }`, as Nest and Fastify write them);
 * anything else (a health report, a problem already) is not the framework's and is left as it is.
 */
function frameworkErrorAsProblem(payload: string, status: number, instance: string): string | undefined {
  let fields: Record<string, unknown>;
  try {
    const body: unknown = JSON.parse(payload);
    if (typeof body !== 'object' || body === null) return undefined;
    fields = body as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof fields.statusCode !== 'number' || typeof fields.type === 'string') return undefined;
  const code = codeOfStatus(status);
  // Fastify's and Nest's messages name the path ("Route GET:/v1/invitations/<token>/x not found"): without its secrets.
  return JSON.stringify({
    type: problemType(code),
    title: typeof fields.message === 'string' ? redactPathsIn(fields.message) : `Request refused (${status})`,
    status,
    code,
    instance: redactUrl(instance),
  });
}

/**
 * Fastify's `frameworkErrors`: a bad URL (400) or a path segment over the limit (414), before any route and so before
 * the hooks that add a service's own headers (`headers`: the gateway's security headers).
 */
export function frameworkErrorAnswer(headers: Readonly<Record<string, string>> = {}) {
  return (error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void => {
    const status = error.statusCode ?? 400;
    const code = codeOfStatus(status);
    void reply
      .code(status)
      .headers(headers)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({
        type: problemType(code),
        title: redactPathsIn(error.message),
        status,
        code,
        instance: redactUrl(request.url),
      });
  };
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before there is a request (headers over the limit:
 * 431; a request not received in time: 408; anything else it cannot parse: 400), answered on the socket as a problem;
 * then the socket is destroyed, as Fastify's own handler does, so a client that never reads holds nothing open.
 */
export function clientErrorAnswer(headers: Readonly<Record<string, string>> = {}) {
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      const status =
        error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const code = codeOfStatus(status);
      const body = JSON.stringify({ type: problemType(code), title: STATUS_CODES[status], status, code });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n${extra}` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}

/**
 * HTTP/1.1 requires a Host header (RFC 9112 3.2): a request without one is a 400 problem, with the service's own
 * headers, and the connection is closed after it.
 */
export function refuseRequestsWithoutHost(
  app: NestFastifyApplication,
  headers: Readonly<Record<string, string>> = {},
): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      if (request.headers.host !== undefined || request.raw.httpVersion !== '1.1') return done();
      const code = codeOfStatus(400);
      void reply
        .code(400)
        .headers(headers)
        .header('connection', 'close')
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .send({
          type: problemType(code),
          title: 'The request has no Host header',
          status: 400,
          code,
          instance: redactUrl(request.url),
        });
    });
}
