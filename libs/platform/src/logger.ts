import { type LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Secrets never reach a log line, whatever object they travel in. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.challenge',
  '*.code',
  '*.secret',
];

export function createLogger(service: string, destination?: DestinationStream): Logger {
  const options = {
    name: service,
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service },
    redact: { paths: REDACTED, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Paths carry tokens too: an invitation's, as the mailed link (`/invitations/<token>`), the console page it leads to
 * and the API (`/console/invitations/`, `/v1/invitations/`); a `?token=` query. Logged without them.
 */
export function redactUrl(url: string): string {
  return (
    url
      // The routes that take the token in the body are named as they are.
      .replace(
        /^(\/(?:v1\/|console\/)?invitations\/)(?!(?:preview|accept)(?:[?#]|$))[^/?#]+/,
        (_m, prefix: string) => `${prefix}[redacted]`,
      )
      // Secrets, and the text a list was searched for (a person's name or address, which an erasure could not reach in
      // the logs).
      // To the next parameter: the query parser keeps a `#` and what follows in the value.
      .replace(/([?&#](?:token|code|access_token|q)=)[^&]*/gi, (_m, name: string) => `${name}[redacted]`)
  );
}

/**
 * A message that may name the request's path somewhere in it (a framework's "Route GET:/v1/invitations/<token>/x
 * not found"), without the secrets `redactUrl` leaves out: each path in it is redacted as a URL.
 */
export function redactPathsIn(text: string): string {
  return text.replace(
    /(^|[\s'"(:])(\/[^\s'"]*)/g,
    (_m, before: string, path: string) => before + redactUrl(path),
  );
}

/** Nest's logger interface over pino, so framework and application logs are the same JSON lines. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}
