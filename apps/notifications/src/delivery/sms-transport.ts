import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { retryAfterMs, SmsNotConfiguredError, SmsProviderError } from './delivery-failure';
import { type OutgoingSms } from './outgoing-message';
import { privateFolder } from './private-folder';

export interface SmsTransport {
  readonly name: string;
  send(sms: OutgoingSms): Promise<{ providerId?: string }>;
}

/**
 * An HTTP SMS provider: POSTs `{ to, text }` as JSON to SMS_PROVIDER_URL with a bearer token. Most providers take a
 * request of this shape; adapt the body here for one that does not.
 */
export class HttpSmsTransport implements SmsTransport {
  readonly name = 'http';
  /** `attemptTimeoutMs` bounds a request; keep it well inside the delivery's lease (half of it). */
  constructor(
    private readonly url: string,
    private readonly token?: string,
    private readonly attemptTimeoutMs = 10_000,
  ) {}

  async send(sms: OutgoingSms): Promise<{ providerId?: string }> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': sms.idempotencyKey,
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify({ to: sms.to, text: sms.text }),
      signal: AbortSignal.timeout(this.attemptTimeoutMs),
    });
    if (!res.ok) {
      const wait = retryAfterMs(res.headers.get('retry-after'));
      await res.body?.cancel();
      throw new SmsProviderError(res.status, wait);
    }
    const body = (await res.json().catch(() => ({}))) as { id?: unknown };
    return typeof body.id === 'string' ? { providerId: body.id } : {};
  }
}

/** The embedded default: one JSON line per SMS in `<dataDir>/outbox/sms/sms.jsonl`. */
export class FileSmsTransport implements SmsTransport {
  readonly name = 'file';
  private folder: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  async send(sms: OutgoingSms): Promise<{ providerId?: string }> {
    // Messages carry sign-in and invitation links: the outbox is its owner's alone.
    const file = join(this.dir, 'sms.jsonl');
    await (this.folder ??= privateFolder(this.dir, [file]));
    await appendFile(file, `${JSON.stringify({ ...sms, at: new Date().toISOString() })}\n`, { mode: 0o600 });
    return {};
  }
}

/**
 * Where secrets must be configured (a cluster) but no SMS provider is: every SMS fails at once with that reason, in
 * the delivery log and the metrics, rather than go to a file in a pod's scratch space that nobody reads.
 */
export class UnconfiguredSmsTransport implements SmsTransport {
  readonly name = 'unconfigured';

  async send(): Promise<{ providerId?: string }> {
    throw new SmsNotConfiguredError();
  }
}
