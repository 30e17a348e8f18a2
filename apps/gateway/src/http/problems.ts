import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const MEANING: Record<number, string> = {
  400: 'invalid request: the problem names the field (`errors[].field`)',
  401: 'no valid access token',
  403: 'not allowed (`code` says which rule), or two-factor authentication required (`two-factor-required`)',
  404: 'not found, or not visible to the caller (another tenant answers the same)',
  409: 'conflict with the current state (`code` says which)',
  410: 'gone: expired, revoked, used or superseded',
  413: 'the body is too large',
  414: 'the path or query is too long',
  415: 'a body in a media type the route does not read, or sent with a Content-Encoding',
  422: 'a business rule refused it (`code` names the rule)',
  429: 'too many requests; retry after the `Retry-After` seconds',
  431: 'the request headers are too large',
  503: 'a service did not answer in time, a dependency is down, or the read models are still being filled at start; retry after the `Retry-After` seconds',
};

/**
 * The problem responses (application/problem+json, RFC 9457, stable `code`) a route may answer. Every route may also
 * answer 400 (a query parameter or body it does not read), 413 (a body over the limit: a GET's body too is read),
 * 414 (a path or query over the limit), 415 (a body it cannot read), 429, 431 (headers over the limit) and 503.
 */
const EVERY_ROUTE = [400, 413, 414, 415, 429, 431, 503];

export function problems(...statuses: number[]) {
  return applyDecorators(
    ...[...new Set([...statuses, ...EVERY_ROUTE])]
      .sort((a, b) => a - b)
      .map((status) =>
        ApiResponse({
          status,
          description: MEANING[status] ?? 'problem',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        }),
      ),
  );
}
