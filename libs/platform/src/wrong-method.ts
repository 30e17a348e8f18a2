import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { type FastifyInstance } from 'fastify';
import { redactUrl } from './logger';
import { codeOfStatus, PROBLEM_CONTENT_TYPE, problemType } from './problem-details';

const METHODS: readonly HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const answered = (method: string): method is HTTPMethod => (METHODS as readonly string[]).includes(method);

/**
 * A request for a path the service serves, with a method it does not serve there, is a 405 naming the methods it does
 * in `Allow` (RFC 9110 15.5.6), not the 404 of a path nobody serves. The routes are copied, as they are registered, into
 * a router of their own, asked only when the service's router found nothing. OPTIONS is left out: CORS answers it on
 * any path.
 */
export function answerWrongMethods(
  fastify: FastifyInstance,
  options: { maxParamLength: number; headers?: Readonly<Record<string, string>> },
): void {
  const served = FindMyWay({ maxParamLength: options.maxParamLength });
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (answered(method) && !served.hasRoute(method, route.url))
        served.on(method, route.url, () => undefined);
  });
  // Before the body is read (a body the path could not take would otherwise answer first), after every onRequest hook
  // (the correlation id, the request log, CORS and the security headers), which a reply sent there would skip.
  fastify.addHook('preParsing', (request, reply, _payload, done) => {
    if (request.routeOptions.url !== undefined || request.method === 'OPTIONS') return done();
    const path = request.url.split('?', 1)[0] ?? '/';
    const allowed = METHODS.filter((method) => served.find(method, path) !== null);
    if (allowed.length === 0) return done();
    const code = codeOfStatus(405);
    void reply
      .code(405)
      .headers(options.headers ?? {})
      .header('allow', allowed.join(', '))
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({
        type: problemType(code),
        title: `This path is served for ${allowed.join(', ')} only`,
        status: 405,
        code,
        instance: redactUrl(request.url),
      });
  });
}
