import { ValidationPipe, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type ValidationError } from 'class-validator';
import { correlationId } from './correlation-id';
import { type DestinationStream, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { CORRELATION_HEADER } from './correlation-id';
import { createLogger, PinoNestLogger, redactUrl } from './logger';
import { requestMetrics } from './metrics';
import { ProblemDetailsFilter, validationProblem } from './problem-details';

export interface HttpAppOptions {
  readonly service: string;
  /** No logs at all (tests), unless `logTo` is given. */
  readonly quiet?: boolean;
  /** Where the JSON log lines go (stdout by default). */
  readonly logTo?: DestinationStream;
  /** false: the service installs its own body parsers (limits, content types). */
  readonly bodyParser?: boolean;
}

/** Creates a service's HTTP app with the cross-cutting pieces every service shares. Listening is the caller's job. */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  options: HttpAppOptions,
): Promise<INestApplication> {
  const logger = createLogger(options.service, options.logTo);
  const logging = !options.quiet || options.logTo !== undefined;
  const app = await NestFactory.create(module, {
    logger: logging ? new PinoNestLogger(logger) : false,
    bufferLogs: logging,
    ...(options.bodyParser === false ? { bodyParser: false } : {}),
  });
  configureHttpApp(app, options.service, (error) => logger.error({ err: error }, 'unexpected error'));
  if (logging) app.use(requestLog(logger));
  app.enableShutdownHooks();
  return app;
}

export function configureHttpApp(
  app: INestApplication,
  service: string,
  onUnexpected?: (e: unknown) => void,
): void {
  app.use(correlationId);
  app.use(requestMetrics(service));
  app.useGlobalFilters(new ProblemDetailsFilter(onUnexpected));
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
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
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
