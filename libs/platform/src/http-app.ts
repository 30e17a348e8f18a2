import { tracingEnabled } from '@app/tracing';
import { TracingInterceptor } from './tracing-interceptor';
import { ValidationPipe, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type ValidationError } from 'class-validator';
import { type DestinationStream, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { onEveryRequest } from './every-request';
import { CORRELATION_HEADER, correlationId } from './correlation-id';
import { createLogger, PinoNestLogger, redactUrl } from './logger';
import { timeRequest } from './metrics';
import { ProblemDetailsFilter, validationProblem } from './problem-details';
import { answerWrongMethods } from './wrong-method';
import {
  clientErrorAnswer,
  frameworkErrorAnswer,
  problemsForFrameworkAnswers,
  refuseRequestsWithoutHost,
} from './framework-problems';

export interface HttpAppOptions {
  readonly service: string;
  /** No logs at all (tests), unless `logTo` is given. */
  readonly quiet?: boolean;
  /** Where the JSON log lines go (stdout by default). */
  readonly logTo?: DestinationStream;
  /** false: the service installs its own body parsers (limits, content types). */
  readonly bodyParser?: boolean;
  /**
   * The public edge runs on Fastify, which serves several times what Express does per core (bench/gateway); the
   * internal services, which answer only health, metrics and keys over HTTP, stay on Nest's default, Express.
   */
  readonly adapter?: 'express' | 'fastify';
  /** Headers of the answers Fastify and Node give before any route (a bad URL, headers over the limit). */
  readonly answerHeaders?: Readonly<Record<string, string>>;
  /** Fastify's `trustProxy`: which proxies' `X-Forwarded-For` names the client (`request.ip`). None by default. */
  readonly trustProxy?: number | string | false;
  /** The largest request body Fastify reads before answering 413 (Express services set their own parsers' limit). */
  readonly bodyLimitBytes?: number;
  /**
   * How long a request may take to arrive whole, body included, before a 408 (default 30 s). Fastify's own default is
   * none: a body shorter than its Content-Length held its connection for good.
   */
  readonly requestTimeoutMs?: number;
}

const MAX_PARAM_LENGTH = 512;

/** Creates a service's HTTP app with the cross-cutting pieces every service shares. Listening is the caller's job. */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  options: HttpAppOptions,
): Promise<INestApplication> {
  const logger = createLogger(options.service, options.logTo);
  const logging = !options.quiet || options.logTo !== undefined;
  const nestOptions = {
    logger: logging ? new PinoNestLogger(logger) : (false as const),
    bufferLogs: logging,
    // A module that cannot start rejects, so the caller prints one line and exits 1 (Nest would abort the process).
    abortOnError: false,
    ...(options.bodyParser === false ? { bodyParser: false } : {}),
  };
  const app =
    options.adapter === 'fastify'
      ? await NestFactory.create<NestFastifyApplication>(
          module,
          new FastifyAdapter({
            ...(options.bodyLimitBytes ? { bodyLimit: options.bodyLimitBytes } : {}),
            requestTimeout: options.requestTimeoutMs ?? 30_000,
            // Invitation tokens travel in the path and are longer than Fastify's default limit of 100.
            routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
            ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
            frameworkErrors: frameworkErrorAnswer(options.answerHeaders),
            clientErrorHandler: clientErrorAnswer(options.answerHeaders),
            // Node would answer a request without Host with a bare 400 of its own: it is refused below, as a problem.
            http: { requireHostHeader: false },
          }),
          nestOptions,
        )
      : await NestFactory.create(module, nestOptions);
  if (options.adapter === 'fastify') {
    refuseRequestsWithoutHost(app as NestFastifyApplication, options.answerHeaders);
    answerWrongMethods((app as NestFastifyApplication).getHttpAdapter().getInstance(), {
      maxParamLength: MAX_PARAM_LENGTH,
      ...(options.answerHeaders ? { headers: options.answerHeaders } : {}),
    });
    // Headers within the same bound as the whole request (Node's default of 60 s would outlast it).
    const server = app.getHttpServer() as { headersTimeout: number; requestTimeout: number };
    server.headersTimeout = Math.min(server.headersTimeout, server.requestTimeout);
  }
  // Express names itself on every answer; nothing outside needs to know what a service runs on.
  if (app.getHttpAdapter().getType() === 'express')
    app.getHttpAdapter().getInstance().disable('x-powered-by');
  configureHttpApp(app, options.service, (error) => logger.error({ err: error }, 'unexpected error'));
  if (logging) {
    const log = requestLog(logger);
    onEveryRequest(app, (req, res) => log(req, res));
  }
  // No Nest shutdown hooks: whoever runs the app stops it on a signal (runServiceFromEnvironment, npm start).
  return app;
}

/** `app.init()`, and on Fastify the plugin tree's readiness too, so `getHttpServer()` answers without `listen()`. */
export async function initHttpApp(app: INestApplication): Promise<void> {
  await app.init();
  if (app.getHttpAdapter().getType() === 'fastify')
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
}

export function configureHttpApp(
  app: INestApplication,
  service: string,
  onUnexpected?: (e: unknown) => void,
): void {
  onEveryRequest(app, (req, res, routeOf) => {
    correlationId(req, res, () => undefined);
    timeRequest(service, req, res, routeOf);
  });
  app.useGlobalFilters(new ProblemDetailsFilter(app.getHttpAdapter(), onUnexpected));
  problemsForFrameworkAnswers(app);
  if (tracingEnabled()) app.useGlobalInterceptors(new TracingInterceptor(service));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => validationProblem(flattenValidationErrors(errors)),
    }),
  );
}

function flattenValidationErrors(
  errors: ValidationError[],
  prefix = '',
): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = mainReasons(field, e).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

/** Checks of a value's type: when one fails, the others (its length, its pattern) say nothing more. */
const TYPE_CHECKS = new Set(['isString', 'isInt', 'isNumber', 'isBoolean', 'isArray', 'isObject']);

/**
 * What to tell of a field that failed: that it is missing, if it is (not that a missing value is too long), else
 * that it has the wrong type, if so, else that it is empty (not that an empty name is not visible text), else every
 * rule it breaks.
 */
function mainReasons(field: string, error: ValidationError): string[] {
  const constraints = error.constraints ?? {};
  if (Object.keys(constraints).length === 0) return [];
  // An error about the body as a whole (class-validator's unknownValue) has no property to be missing.
  if (error.value === undefined && error.property) return [`${field} is required`];
  const typeReasons = Object.entries(constraints)
    .filter(([name]) => TYPE_CHECKS.has(name))
    .map(([, message]) => message);
  if (typeReasons.length > 0) return typeReasons;
  return constraints.isNotEmpty !== undefined ? [constraints.isNotEmpty] : Object.values(constraints);
}

/** One line per request: method, path without tokens, status, time and correlation id; never headers or bodies. */
function requestLog(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req) => String(req.headers[CORRELATION_HEADER] ?? ''),
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        correlationId: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
  });
}
