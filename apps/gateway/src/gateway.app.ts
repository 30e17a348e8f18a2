import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { type DestinationStream } from 'pino';
import { createHttpApp, PROBLEM_CONTENT_TYPE, problemType, type ResolvedInfrastructure } from '@app/platform';
import { GatewayModule } from './app.module';
import { readGatewayConfig, type GatewayConfig } from './config/gateway.config';

export const GATEWAY_DEFAULT_PORT = 3000;

export async function createGatewayApp(
  infra: ResolvedInfrastructure,
  options: { quiet?: boolean; config?: GatewayConfig; logTo?: DestinationStream } = {},
): Promise<INestApplication> {
  const config = options.config ?? readGatewayConfig();
  const app = await createHttpApp(GatewayModule.register(infra, config), {
    service: 'gateway',
    bodyParser: false,
    ...(options.quiet !== undefined ? { quiet: options.quiet } : {}),
    ...(options.logTo ? { logTo: options.logTo } : {}),
  });
  // Answers are per caller and small: hashing each body for an ETag costs more than it saves.
  (app.getHttpAdapter().getInstance() as express.Application).set('etag', false);
  app.use(helmet({ contentSecurityPolicy: false }));
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false,
    exposedHeaders: ['x-correlation-id', 'location', 'retry-after'],
  });
  app.use(express.json({ limit: config.bodyLimitBytes, reviver: refusePrototypeKeys }));
  app.use(express.text({ type: 'text/csv', limit: config.bodyLimitBytes }));
  app.use(bodyProblems);
  const document = openApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/** Keys that reach an object's prototype are refused while parsing, before anything can copy them. */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype')
    throw new SyntaxError(`forbidden key ${key}`);
  return value;
}

/** Malformed JSON is a 400 naming the body, an oversize one a 413: problem+json like every other refusal. */
function bodyProblems(error: unknown, req: Request, res: Response, next: NextFunction): void {
  const e = error as { type?: string; status?: number };
  if (e?.type === 'entity.too.large' || e?.status === 413) {
    res
      .status(413)
      .type(PROBLEM_CONTENT_TYPE)
      .send({
        type: problemType('payload-too-large'),
        title: 'The request body is too large',
        status: 413,
        code: 'payload-too-large',
        instance: req.originalUrl,
      });
    return;
  }
  if (e?.type === 'entity.parse.failed') {
    const key = (error as Error).message.match(/^forbidden key (.+)$/)?.[1];
    res
      .status(400)
      .type(PROBLEM_CONTENT_TYPE)
      .send({
        type: problemType('validation-failed'),
        title: key ? `The body may not contain ${key}` : 'The body is not valid JSON',
        status: 400,
        code: 'validation-failed',
        errors: [key ? { field: key, message: 'not allowed' } : { field: 'body', message: 'not valid JSON' }],
        instance: req.originalUrl,
      });
    return;
  }
  next(error);
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
  return document;
}
