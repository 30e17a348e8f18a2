import { ValidationPipe, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type ValidationError } from 'class-validator';
import { correlationId } from './correlation-id';
import { createLogger, PinoNestLogger } from './logger';
import { requestMetrics } from './metrics';
import { ProblemDetailsFilter, validationProblem } from './problem-details';

export interface HttpAppOptions {
  readonly service: string;
  readonly quiet?: boolean;
  /** false: the service installs its own body parsers (limits, content types). */
  readonly bodyParser?: boolean;
}

/** Creates a service's HTTP app with the cross-cutting pieces every service shares. Listening is the caller's job. */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  options: HttpAppOptions,
): Promise<INestApplication> {
  const logger = createLogger(options.service);
  const app = await NestFactory.create(module, {
    logger: options.quiet ? false : new PinoNestLogger(logger),
    bufferLogs: !options.quiet,
    ...(options.bodyParser === false ? { bodyParser: false } : {}),
  });
  configureHttpApp(app, options.service, (error) => logger.error({ err: error }, 'unexpected error'));
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
