import { type IncomingMessage, type ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The headers of every API answer (JSON, problems, health, redirects), after OWASP's REST security cheat sheet: an
 * answer that names people and their roles is never kept by a browser or a shared cache, and, opened as a page, loads
 * nothing and cannot be framed. helmet's further headers (DNS prefetch, download options, origin-agent-cluster...)
 * concern HTML documents and are left to those.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

/**
 * helmet's response headers for these options, worked out once: the set for HTML documents (the console, the API
 * docs). Without a per-request CSP nonce they are the same for every answer, and running helmet's middleware chain
 * per request cost a fifth of a member read (bench/gateway).
 */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => (finished = true));
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return headers;
}

/** The pages a browser renders as documents: the console (which sets its own CSP) and the API docs. */
export function servesDocument(url: string): boolean {
  return /^\/(console|docs)(\/|\?|$)/.test(url);
}
