import {
  BadRequestException,
  Catch,
  HttpException,
  HttpStatus,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { type HttpServer } from '@nestjs/common';
import { type DomainErrorKind, isDomainError } from '@app/domain';
import { isDependencyOutage, ownUnavailability } from '@app/messaging';
import { redactPathsIn, redactUrl } from './logger';

/** RFC 9457 problem document. `code` is stable per rule violation; never a stack trace. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const statusByKind: Record<DomainErrorKind, number> = {
  validation: HttpStatus.BAD_REQUEST,
  'not-found': HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  forbidden: HttpStatus.FORBIDDEN,
  'rule-violation': HttpStatus.UNPROCESSABLE_ENTITY,
  gone: HttpStatus.GONE,
};

export function statusOfKind(kind: DomainErrorKind): number {
  return statusByKind[kind];
}

export function problemType(code: string): string {
  return `https://errors.identity-platform.dev/${code}`;
}

/**
 * The problem document for an error, answering a request for `instance`. The request's secrets (an invitation's token
 * in its path, a `?token=`, the text a list was searched for) are left out of it as they are of the logs: clients and
 * proxies log problem bodies.
 */
export function toProblem(error: unknown, instance?: string): ProblemDocument {
  const problem = problemOf(error, instance);
  return instance === undefined
    ? problem
    : { ...problem, title: redactPathsIn(problem.title), instance: redactUrl(instance) };
}

function problemOf(error: unknown, instance?: string): ProblemDocument {
  if (isDomainError(error)) {
    const status = statusOfKind(error.kind);
    const field = error.details?.field;
    return {
      type: problemType(error.code),
      title: error.message,
      status,
      code: error.code,
      ...(instance ? { instance } : {}),
      ...error.details,
      // A 400 names its field where every other 400 does, whichever service refused it.
      ...(status === 400 && typeof field === 'string' && error.details?.errors === undefined
        ? { errors: [{ field, message: reasonFor(field, error.message) }] }
        : {}),
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    // Ours carry a code; Nest's own (`{ message, error, statusCode }`, e.g. an unknown route's) say it by status,
    // keeping what else they carry (a health check's report).
    const problem = typeof body === 'object' && body !== null ? withoutNestFields(body) : {};
    const code = typeof problem.code === 'string' ? problem.code : codeOfStatus(status);
    return {
      ...problem,
      type: problemType(code),
      title: typeof problem.title === 'string' ? problem.title : error.message,
      status,
      code,
      ...(instance ? { instance } : {}),
    };
  }
  if (isDependencyOutage(error) && !isClientRefusal(error)) {
    const ours = ownUnavailability(error);
    return {
      type: problemType('service-unavailable'),
      // Our own reason says what is not ready; a driver's message would name hosts and internals.
      title: ours
        ? `Service unavailable: ${ours.message}; retry shortly`
        : 'A service this one depends on is unavailable; retry shortly',
      status: HttpStatus.SERVICE_UNAVAILABLE,
      code: 'service-unavailable',
      ...(instance ? { instance } : {}),
    };
  }
  const refused = frameworkRefusal(error);
  if (refused) {
    const code = codeOfStatus(refused.status);
    return {
      type: problemType(code),
      title: refused.title,
      status: refused.status,
      code,
      ...(instance ? { instance } : {}),
    };
  }
  return {
    type: problemType('internal-error'),
    title: 'Internal server error',
    status: 500,
    code: 'internal-error',
    ...(instance ? { instance } : {}),
  };
}

/** The reason alone, as the validation pipe's entries give it: a client shows it beside the field's name. */
export function reasonFor(field: string, message: string): string {
  return message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
}

function withoutNestFields(body: object): Partial<ProblemDocument> {
  if ('code' in body || !('statusCode' in body)) return body as Partial<ProblemDocument>;
  const {
    message: _message,
    error: _error,
    statusCode: _statusCode,
    ...rest
  } = body as Record<string, unknown>;
  return rest as Partial<ProblemDocument>;
}

/** An error the HTTP layer already tagged as the client's (a request body cut off by the client: `ECONNRESET`, 400). */
function isClientRefusal(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * The HTTP framework's own refusals of a request before any route ran (Fastify's body too large, media type not
 * supported, ...), and its plugins' (static files: a directory asked for is `http-errors`' 403, marked `expose`): a
 * client error with its status, never a 500.
 */
function frameworkRefusal(error: unknown): { status: number; title: string } | undefined {
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown; expose?: unknown } | null;
  const fastifys = typeof e?.code === 'string' && e.code.startsWith('FST_');
  if (!fastifys && e?.expose !== true) return undefined;
  if (typeof e.statusCode !== 'number' || e.statusCode < 400 || e.statusCode >= 500) return undefined;
  return {
    status: e.statusCode,
    title: typeof e.message === 'string' ? e.message : 'The request was refused',
  };
}

export function codeOfStatus(status: number): string {
  switch (status) {
    case 400:
      return 'bad-request';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 405:
      return 'method-not-allowed';
    case 408:
      return 'request-timeout';
    case 409:
      return 'conflict';
    case 413:
      return 'payload-too-large';
    case 414:
      return 'uri-too-long';
    case 415:
      return 'unsupported-media-type';
    case 431:
      return 'request-header-fields-too-large';
    case 429:
      return 'too-many-requests';
    case 503:
      return 'service-unavailable';
    default:
      return status >= 500 ? 'internal-error' : 'request-failed';
  }
}

/** A 400 naming every invalid field, for the ValidationPipe's exceptionFactory. */
export function validationProblem(errors: { field: string; message: string }[]): BadRequestException {
  return new BadRequestException({
    code: 'validation-failed',
    title: `Invalid request: ${[...new Set(errors.map((e) => e.field))].join(', ')}`,
    errors,
  });
}

/** When a client should try again after a dependency outage: soon, since most outages here are restarts. */
const OUTAGE_RETRY_AFTER_SECONDS = 1;

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(
    private readonly http: HttpServer,
    private readonly onUnexpected: (error: unknown) => void = () => undefined,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const res = context.getResponse<unknown>();
    const problem = toProblem(error, this.http.getRequestUrl?.(context.getRequest()));
    // A service that did not answer in time, or a dependency that is down or not ready, says when to come back.
    const retryAfter =
      problem.code === 'service-unavailable'
        ? ((error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds ?? OUTAGE_RETRY_AFTER_SECONDS)
        : (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
    if (typeof retryAfter === 'number') this.http.setHeader(res, 'retry-after', String(retryAfter));
    // Deliberate answers (a 503 from a readiness check, read models still filling) are not failures; an outage is.
    const deliberate =
      error instanceof HttpException || isDomainError(error) || ownUnavailability(error) !== undefined;
    if (!deliberate && problem.status >= 500) this.onUnexpected(error);
    this.http.setHeader(res, 'content-type', PROBLEM_CONTENT_TYPE);
    this.http.reply(res, problem, problem.status);
  }
}
