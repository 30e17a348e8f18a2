/** A provider's refusal that trying again cannot change, or a failure that may pass. */
export interface DeliveryFailure {
  readonly permanent: boolean;
  readonly reason: string;
  /** What the provider asked for (HTTP 429/503 `Retry-After`). */
  readonly retryAfterMs?: number;
  /**
   * The mail relay or SMS provider itself could not be reached or signed in to: nothing was said about this message,
   * so it is no attempt at it, and an outage of any length dead-letters nothing.
   */
  readonly unreachable?: boolean;
}

/**
 * Only what fails before a message is begun counts as the relay's or provider's, never as a message's: nothing of the
 * message was sent, so holding it cannot send it twice, and it cannot be the message's fault. nodemailer's codes for
 * a relay not found, not secured or not signed in to...
 */
const BEFORE_ANY_MESSAGE_CODES: ReadonlySet<string> = new Set(['EDNS', 'ETLS', 'EAUTH']);
/** ...its timeouts while connecting, waiting for the greeting or upgrading to TLS (not a reply's: SOCKET_TIMEOUT)... */
const SETUP_TIMEOUTS: ReadonlySet<string> = new Set([
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
]);
/** ...the socket errors of a connection that was never made (nodemailer keeps them as `originalCode`)... */
const NOT_CONNECTED: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** ...a certificate or TLS version the handshake refused (a socket error too, with the TLS code kept)... */
const TLS_HANDSHAKE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/;
/**
 * ...and refusals at the commands before the envelope: `530 must issue STARTTLS` at EHLO, a login refused. (A refusal
 * of the greeting is told by its message: nodemailer tags `CONN` on replies mid-message too, a pipelined `421` to
 * `RCPT TO` among them.) `MAIL FROM` is the message's already (its size, its encoding), as are `RCPT TO` and `DATA`.
 */
const BEFORE_THE_ENVELOPE = /^(EHLO|HELO|LHLO|STARTTLS|AUTH\b)/;

/** The relay or provider could not be reached, secured or signed in to: no message was begun. */
function beforeAnyMessage(error: unknown): boolean {
  for (let link = error, depth = 0; link && typeof link === 'object' && depth < 5; depth++) {
    const e = link as {
      message?: unknown;
      code?: unknown;
      originalCode?: unknown;
      timeoutType?: unknown;
      command?: unknown;
      responseCode?: unknown;
    };
    if (typeof e.code === 'string' && (BEFORE_ANY_MESSAGE_CODES.has(e.code) || NOT_CONNECTED.has(e.code)))
      return true;
    if (
      typeof e.originalCode === 'string' &&
      (NOT_CONNECTED.has(e.originalCode) || TLS_HANDSHAKE.test(e.originalCode))
    )
      return true;
    // The pool gives up on a connection closed before any reply (a balancer with no backend): no command was sent.
    if (e.code === 'ECONNECTION' && e.command === undefined) return true;
    if (e.code === 'EPROTOCOL' && e.command === 'CONN' && /^Invalid greeting/.test(String(e.message)))
      return true;
    if (typeof e.timeoutType === 'string' && SETUP_TIMEOUTS.has(e.timeoutType)) return true;
    if (
      typeof e.responseCode === 'number' &&
      typeof e.command === 'string' &&
      BEFORE_THE_ENVELOPE.test(e.command)
    )
      return true;
    link = (link as { cause?: unknown }).cause;
  }
  return false;
}

/** The HTTP SMS provider answered with an error status. */
export class SmsProviderError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`SMS provider answered ${status}`);
    this.name = 'SmsProviderError';
  }
}

/** No SMS provider is configured where one must be (REQUIRE_CONFIGURED_SECRETS=true). */
export class SmsNotConfiguredError extends Error {
  constructor() {
    super('no SMS provider configured (SMS_PROVIDER_URL)');
    this.name = 'SmsNotConfiguredError';
  }
}

/** The recipient's address cannot be delivered to, whatever the provider. */
export class InvalidAddressError extends Error {
  constructor(readonly address: string) {
    super('not a deliverable address');
    this.name = 'InvalidAddressError';
  }
}

/**
 * SMTP: a 5xx reply is permanent, a 4xx transient. HTTP: 429 and 5xx are transient (429 with its `Retry-After`),
 * other 4xx permanent. An invalid address or an envelope nodemailer refuses is permanent. Everything else (network
 * failures, timeouts, the unknown) is transient: the attempt limit bounds it.
 */
export function classifyFailure(error: unknown): DeliveryFailure {
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof InvalidAddressError || error instanceof SmsNotConfiguredError)
    return { permanent: true, reason };
  if (error instanceof SmsProviderError) {
    const transient = error.status === 429 || error.status >= 500;
    return {
      permanent: !transient,
      reason,
      ...(transient && error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  // A login the server refuses (535) is the operator's to fix, not the recipient's: held until it is fixed.
  if (beforeAnyMessage(error)) return { permanent: false, unreachable: true, reason };
  const e = error as { responseCode?: unknown; code?: unknown } | null;
  if (typeof e?.responseCode === 'number') return { permanent: e.responseCode >= 500, reason };
  if (e?.code === 'EENVELOPE') return { permanent: true, reason };
  // The unknown: worth another attempt, which the attempt limit bounds.
  return { permanent: false, reason };
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A failure's text with the addresses and numbers it quotes taken out, for whoever sees it beyond this service. */
export function withoutAddresses(text: string): string {
  return text.replace(/[^\s<>"'@]+@[^\s<>"'@]+/g, '[address]').replace(/\+?\d[\d ()-]{6,}\d/g, '[number]');
}
