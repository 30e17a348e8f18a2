import { STATUS_CODES } from 'node:http';
import { BadRequestException, UnsupportedMediaTypeException, type INestApplication } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { type DestinationStream } from 'pino';
import { createHttpApp, type ResolvedInfrastructure } from '@app/platform';
import { printable } from '@app/text';
import { GatewayModule } from './app.module';
import { readGatewayConfig, type GatewayConfig } from './config/gateway.config';
import { serveConsole } from './edge/console-routes';
import { API_SECURITY_HEADERS, securityHeaders, servesDocument } from './edge/security-headers';
import { IDEMPOTENCY_KEY_PATTERN } from './http/requester';
import { firstRepeatedKey } from './edge/repeated-keys';

export const GATEWAY_DEFAULT_PORT = 3000;

export async function createGatewayApp(
  infra: ResolvedInfrastructure,
  options: { quiet?: boolean; config?: GatewayConfig; logTo?: DestinationStream } = {},
): Promise<INestApplication> {
  const config = options.config ?? readGatewayConfig();
  const app = (await createHttpApp(GatewayModule.register(infra, config), {
    service: 'gateway',
    adapter: 'fastify',
    bodyParser: false,
    bodyLimitBytes: config.bodyLimitBytes,
    requestTimeoutMs: config.requestTimeoutMs,
    trustProxy: config.trustProxy,
    answerHeaders: API_SECURITY_HEADERS,
    ...(options.quiet !== undefined ? { quiet: options.quiet } : {}),
    ...(options.logTo ? { logTo: options.logTo } : {}),
  })) as NestFastifyApplication;
  // The console sets its own CSP (over these). The API docs share its origin, and a tab keeps its session storage
  // (the console's tokens) through a visit to them, so they run this origin's scripts only: Swagger UI's page loads
  // its scripts from files here, and needs inline styles (its own and React's) and data: images. Neither page is
  // framed, not even by this origin.
  const documentHeaders = securityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      reply.headers(servesDocument(request.url) ? documentHeaders : API_SECURITY_HEADERS);
      done();
    });
  // No origin configured: no CORS at all, and no per-request work for it.
  if (config.corsOrigins.length > 0)
    app.enableCors({
      origin: [...config.corsOrigins],
      exposedHeaders: ['x-correlation-id', 'location', 'retry-after'],
    });
  acceptJsonAndCsv(app);
  serveConsole(app, config.consoleDir);
  const document = openApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    // Swagger UI would send the document to its public validator, and show that site's badge.
    swaggerOptions: { validatorUrl: null },
  });
  return app;
}

/**
 * The bodies the API reads: JSON (keys that reach an object's prototype refused while parsing, before anything can
 * copy them) and CSV for imports, both in UTF-8. Anything else is a 415; a body over the limit a 413 (Fastify's
 * `bodyLimit`). Bytes that are not UTF-8 are a 400 rather than read as U+FFFD: two different names would otherwise be
 * stored as one, and a charset other than UTF-8 is a 415 rather than read as UTF-8.
 */
function acceptJsonAndCsv(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, bytes, done) => {
    const refused = refusedCoding(req.headers);
    if (refused) return done(refused, undefined);
    const body = utf8(bytes as Buffer);
    if (body === undefined) return done(notUtf8(), undefined);
    try {
      const parsed: unknown = body === '' ? {} : JSON.parse(body, refusePrototypeKeys);
      const repeated = typeof parsed === 'object' ? firstRepeatedKey(body) : undefined;
      if (repeated !== undefined) return done(repeatedKey(repeated), undefined);
      // Every body the API reads is an object. Nest's validation reads a null body as an empty one (a PATCH of nothing
      // would pass as a no-op), and an array's items or a string's characters as unknown fields.
      const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
      done(kind === 'object' ? null : notAnObject(kind), parsed);
    } catch (error) {
      done(malformedJson(error), undefined);
    }
  });
  fastify.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (req, bytes, done) => {
    // Only routes marked `@TakesCsv()` read CSV; a path no route has (undefined) is left to its 404.
    if (req.routeOptions.url !== undefined && req.routeOptions.config.takesCsv !== true)
      return done(csvNotTaken(), undefined);
    const refused = refusedCoding(req.headers);
    if (refused) return done(refused, undefined);
    const body = utf8(bytes as Buffer);
    return body === undefined ? done(notUtf8(), undefined) : done(null, body);
  });
}

function csvNotTaken(): UnsupportedMediaTypeException {
  return new UnsupportedMediaTypeException({
    code: 'unsupported-media-type',
    title: 'This route reads JSON bodies: text/csv is read by invitations/import only',
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Buffer): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A body compressed, or in a charset other than UTF-8: a 415. */
function refusedCoding(
  headers: Record<string, string | string[] | undefined>,
): UnsupportedMediaTypeException | undefined {
  if (encoded(headers)) return unsupportedEncoding();
  const charsets = [...String(headers['content-type'] ?? '').matchAll(/;\s*charset\s*=\s*"?([^";\s]*)/gi)];
  // Given twice, a parser keeps one and a proxy or a log may keep the other: which the body is in is not known.
  if (charsets.length > 1)
    return new UnsupportedMediaTypeException({
      code: 'unsupported-media-type',
      title: 'Content-Type names a charset more than once',
    });
  const charset = charsets[0]?.[1];
  // US-ASCII is UTF-8's first 128 characters: read as UTF-8, it reads the same.
  if (charset === undefined || /^(utf-?8|us-ascii)$/i.test(charset)) return undefined;
  return new UnsupportedMediaTypeException({
    code: 'unsupported-media-type',
    title: `Request bodies are read as UTF-8: charset=${charset.slice(0, 40)} is not supported`,
  });
}

function notUtf8(): BadRequestException {
  return new BadRequestException({
    code: 'validation-failed',
    title: 'The body is not UTF-8 text',
    errors: [{ field: 'body', message: 'must be UTF-8 text' }],
  });
}

/** A body sent compressed (or in any coding but `identity`): read as it is, it would be garbage or a lie. */
function encoded(headers: Record<string, string | string[] | undefined>): boolean {
  const coding = headers['content-encoding'];
  return coding !== undefined && String(coding).trim().toLowerCase() !== 'identity';
}

function unsupportedEncoding(): UnsupportedMediaTypeException {
  return new UnsupportedMediaTypeException({
    code: 'unsupported-media-type',
    title: 'Request bodies are read as they are: Content-Encoding (gzip, deflate, br) is not supported',
  });
}

/**
 * No prototype keys, and no text that is not well-formed Unicode (a lone surrogate half, which validators meet with a
 * URIError and mails print as U+FFFD) or that holds NUL: refused here for every field, before any validator sees it.
 */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype')
    throw new SyntaxError(`forbidden key ${key}`);
  if ((typeof value === 'string' && !wellFormed(value)) || !wellFormed(key))
    throw new SyntaxError(`malformed text ${wellFormed(key) ? key : 'key'}`);
  return value;
}

function wellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed() && !text.includes('\u0000');
}

function repeatedKey(path: string): BadRequestException {
  const field = printable(path.slice(0, 200));
  return new BadRequestException({
    code: 'validation-failed',
    // Quoted: a key may be empty, or hold dots.
    title: `The body gives the key ${JSON.stringify(field)} more than once`,
    errors: [{ field, message: 'given more than once' }],
  });
}

function notAnObject(kind: string): BadRequestException {
  return new BadRequestException({
    code: 'validation-failed',
    title: `The body must be a JSON object, not ${kind === 'null' || kind === 'an array' ? kind : `a ${kind}`}`,
    errors: [{ field: 'body', message: 'must be a JSON object' }],
  });
}

function malformedJson(error: unknown): BadRequestException {
  const message = (error as Error).message;
  const key = message.match(/^forbidden key (.+)$/)?.[1];
  const malformed = message.match(/^malformed text (.*)$/)?.[1];
  if (malformed !== undefined)
    return new BadRequestException({
      code: 'validation-failed',
      title: `${malformed || 'A value'} is not well-formed text (a lone surrogate half, or NUL)`,
      errors: [{ field: malformed || 'body', message: 'not well-formed text' }],
    });
  return new BadRequestException({
    code: 'validation-failed',
    title: key ? `The body may not contain ${key}` : 'The body is not valid JSON',
    errors: [key ? { field: key, message: 'not allowed' } : { field: 'body', message: 'not valid JSON' }],
  });
}

function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Identity & membership platform')
      .setDescription(
        [
          'The public HTTP API. Sign in with `POST /v1/auth/login` and send the access token as `Authorization: Bearer <token>`.',
          'Errors are `application/problem+json` (RFC 9457) with a stable `code` (see docs/errors.md); a 400 names the field.',
          'Lists page with `?limit=&cursor=` (`nextCursor` of the previous page). Every answer carries `x-correlation-id`.',
          'A command answers once the read models show its effect, or 202 `{ status: "accepted", revision }` when they lag.',
          'An `Idempotency-Key` header makes a request safe to repeat: the same key and request are applied once.',
        ].join('\n\n'),
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      Problem: {
        type: 'object',
        description:
          'RFC 9457. Besides these, a problem carries the details its `code` names (docs/errors.md), e.g. `field`, ' +
          '`required`, `permission`, `role`, `userId`, `teamId`, `invitationId`, `domain`, `supported`.',
        additionalProperties: true,
        required: ['type', 'title', 'status', 'code'],
        properties: {
          type: { type: 'string', example: 'https://errors.identity-platform.dev/owner-required' },
          title: {
            type: 'string',
            example: 'the Owner role changes only by transferring ownership (R2, R3)',
          },
          status: { type: 'integer', example: 422 },
          code: { type: 'string', example: 'owner-required' },
          instance: { type: 'string' },
          errors: {
            type: 'array',
            items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
  };
  withIdempotencyKeys(document);
  withGoneOnWrites(document);
  withResponseDescriptions(document);
  withClosedBodies(document);
  return document;
}

/**
 * Bodies are validated with whitelist and forbidNonWhitelisted: a property the schema does not name is a 400, so the
 * schemas of JSON bodies (and of the objects in them) say so. A CSV body is text.
 */
function withClosedBodies(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
  // An import's rows are checked one by one (R7): a field a row should not have refuses that row, not the request.
  const closed = new Set<string>(['ImportRowBody']);
  const close = (schema: unknown): void => {
    if (!schema || typeof schema !== 'object') return;
    const node = schema as Record<string, unknown>;
    const ref = typeof node.$ref === 'string' ? node.$ref.replace('#/components/schemas/', '') : undefined;
    if (ref !== undefined) {
      if (closed.has(ref)) return;
      closed.add(ref);
      return close(schemas[ref]);
    }
    if (node.properties && typeof node.properties === 'object') {
      node.additionalProperties ??= false;
      for (const property of Object.values(node.properties)) close(property);
    }
    close(node.items);
    for (const key of ['allOf', 'oneOf', 'anyOf'] as const)
      for (const part of (node[key] as unknown[] | undefined) ?? []) close(part);
  };
  for (const item of Object.values(document.paths))
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const body = item[method]?.requestBody;
      if (!body || !('content' in body)) continue;
      for (const [type, media] of Object.entries(body.content))
        if (type === 'text/csv')
          media.schema = { type: 'string', example: 'email,role,teamIds\nann@example.com,user,' };
        else close(media.schema);
    }
}

/** OpenAPI requires a description on every response: where a route gives none, its status's reason phrase. */
function withResponseDescriptions(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths))
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const)
      for (const [status, response] of Object.entries(item[method]?.responses ?? {}))
        if (response && 'description' in response && !response.description)
          response.description = STATUS_CODES[Number(status)] ?? status;
}

/**
 * A write to an organization, or to one's account, deleted a moment ago (the read models not showing it yet) reaches
 * the service that records it, which answers 410 (`organization-deleted`, `user-deleted`): documented here once.
 */
function withGoneOnWrites(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/v1/orgs/{orgId}') && !path.startsWith('/v1/me')) continue;
    // Ending a session records nothing on the account: a deleted account's token is refused before (401).
    if (path === '/v1/me/sessions/{sessionId}') continue;
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (operation && !operation.responses['410'])
        operation.responses['410'] = {
          description:
            'gone: the organization or the account was deleted (`organization-deleted`, `user-deleted`)',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        };
    }
  }
}

/** Routes that take a key (it is checked) but are not made repeatable by it, and why: no 409 either. */
const NOT_REPEATABLE: Record<string, string> = {
  '/v1/auth/login':
    'Checked (400 when malformed), but signing in and asking for a reset link are not made repeatable.',
  '/v1/auth/login/two-factor':
    'Checked (400 when malformed), but signing in and asking for a reset link are not made repeatable.',
  '/v1/auth/password/forgot':
    'Checked (400 when malformed), but signing in and asking for a reset link are not made repeatable.',
  '/v1/me/sessions/{sessionId}':
    'Checked (400 when malformed); ending a session needs no key to be repeated: ended already, it is 204 again.',
};

/** Routes whose repeat under a key is not answered as the first time, and what it gets instead. */
const REPEATED_OTHERWISE: Record<string, string> = {
  '/v1/me/two-factor/recovery-codes':
    'Makes no codes twice: the same key again for new codes (whatever the code), once it made codes, is 409 ' +
    '`recovery-codes-shown-once` (they are shown once and kept hashed only: ask again with a new code and key); ' +
    'the same key with another kind of request on the account is 409 `command-id-reused`.',
};

/**
 * Every write route reads an `Idempotency-Key` (`requesterOf`), so each one documents the header, and the 409 a key
 * reused for another request answers, here once rather than on each route.
 */
function withIdempotencyKeys(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths))
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const repeatable = NOT_REPEATABLE[path] === undefined;
      operation.parameters = [
        ...(operation.parameters ?? []),
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: !repeatable
            ? NOT_REPEATABLE[path]
            : (REPEATED_OTHERWISE[path] ??
              'Makes the request safe to repeat: the same key with the same request gets the first answer and ' +
                'changes nothing more; the same key with another request on the same organization or account is 409 ' +
                '`command-id-reused` (on another one it is a new request there).'),
          schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN, example: 'a1b2c3d4-retry-safe' },
        },
      ];
      if (repeatable && !operation.responses['409'])
        operation.responses['409'] = {
          description: 'conflict with the current state (`code` says which), e.g. `command-id-reused`',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        };
    }
}
