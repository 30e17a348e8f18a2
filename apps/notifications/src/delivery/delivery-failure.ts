import { isDependencyOutage } from '@app/messaging';

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
 * nodemailer's codes for a connection to the relay that could not be made, was lost, timed out, or could not be
 * secured or signed in to.
 */
const RELAY_UNREACHABLE: ReadonlySet<string> = new Set([
  'ECONNECTION',
  'ESOCKET',
  'ETIMEDOUT',
  'EDNS',
  'ETLS',
  'EAUTH',
]);
/**
 * The SMTP commands before a recipient is named: a refusal there (`530 must issue STARTTLS`, `550 relaying denied`
 * for our sender) is the relay's about every message, not this message's; `RCPT TO` and `DATA` are about this one.
 */
const BEFORE_THE_RECIPIENT = /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH\b|MAIL FROM)/;

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
  const e = error as { responseCode?: unknown; code?: unknown; command?: unknown } | null;
  // A login the server refuses (535) is the operator's to fix, not the recipient's: held until it is fixed.
  if (
    (typeof e?.code === 'string' && RELAY_UNREACHABLE.has(e.code)) ||
    (typeof e?.command === 'string' && BEFORE_THE_RECIPIENT.test(e.command)) ||
    isDependencyOutage(error)
  )
    return { permanent: false, unreachable: true, reason };
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
