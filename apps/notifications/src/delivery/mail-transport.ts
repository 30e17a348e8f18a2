import { writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { type OutgoingEmail } from './outgoing-message';
import { privateFolder } from './private-folder';

export interface MailTransport {
  readonly name: string;
  /** `deliveryId`: the delivery's public id, the same on every attempt; it becomes the Message-ID. */
  send(email: OutgoingEmail, deliveryId: string): Promise<{ providerId?: string }>;
  close(): Promise<void>;
}

/**
 * Deliveries a notifications consumer works on at once per partition, by default. Each attempt holds a lease sized to
 * its timeouts (NOTIFY_LEASE_MS), so it must not wait behind others for an SMTP connection; and a killed instance can
 * send again only what it had in hand. Eight: with the delivery log on FerretDB, where a claim and a finish take
 * milliseconds, one at a time held the service below 100 deliveries/s (bench/notifications).
 */
export const DEFAULT_DELIVERIES_IN_HAND = 8;

/** Consumers that deliver (e-mail requests, invitations, notices) times the partitions each works on at once. */
const PARTITIONS_IN_HAND = 3 * 3;

/** Real SMTP through nodemailer, e.g. `smtp://user:pass@mail.example.com:587`. */
export class SmtpMailTransport implements MailTransport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;
  private readonly fromDomain: string;

  /**
   * `attemptTimeoutMs` bounds a whole send, every stage of it together; keep it well inside the delivery's lease (half
   * of it). Credentials in an `smtp://` URL are only sent over STARTTLS (`?requireTLS=false` in the URL allows a
   * relay without it, e.g. on a private network): otherwise anyone on the path who strips the offer reads the login
   * and the mail's links.
   */
  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly attemptTimeoutMs = 30_000,
    inHandPerPartition = DEFAULT_DELIVERIES_IN_HAND,
  ) {
    this.fromDomain = domainOf(from);
    // Pooled: a connection (and its TLS and EHLO) serves many messages; at most one per message in hand at once, so
    // no attempt waits in the pool's queue beyond its timeouts and lease. Connections open only as load needs them.
    this.transporter = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: PARTITIONS_IN_HAND * inHandPerPartition,
      maxMessages: Infinity,
      // Half the attempt at most, so that a relay not there is told by these (an outage, held) before the attempt's
      // own deadline (an attempt, counted) would end it.
      connectionTimeout: Math.min(10_000, Math.floor(attemptTimeoutMs / 2)),
      greetingTimeout: Math.min(10_000, Math.floor(attemptTimeoutMs / 2)),
      socketTimeout: attemptTimeoutMs,
      requireTLS: signsIn(smtpUrl),
    });
  }

  async send(email: OutgoingEmail, deliveryId: string): Promise<{ providerId?: string }> {
    const info = await this.transporter.sendMail({
      // Its own Message-ID, the same on every attempt, and a boundary base: nodemailer would draw each from the
      // system's random source, several times per message.
      messageId: `<${deliveryId}@${this.fromDomain}>`,
      baseBoundary: randomUUID(),
      from: this.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      ...(email.html ? { html: email.html } : {}),
      headers: { 'X-Idempotency-Key': email.idempotencyKey },
      // nodemailer's timeouts each bound one stage, so a relay answering every command slowly would hold the send for
      // their sum: past the delivery's lease, when another instance may send it again. At the deadline the pool drops
      // it, closing the connection that carried it, and the attempt fails (and counts: the relay had the message).
      signal: AbortSignal.timeout(Math.ceil(this.attemptTimeoutMs)),
    });
    return { providerId: String(info.messageId) };
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/**
 * The embedded default: each e-mail becomes an RFC 822 `.eml` file under `<dataDir>/outbox/email`, named by its
 * idempotency key and its delivery (one per recipient; a retry writes the same file again), openable in any mail client. Rendering goes through nodemailer, so the file is what SMTP would carry.
 */
export class FileMailTransport implements MailTransport {
  readonly name = 'file';
  private readonly renderer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
  });

  private folder: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly from: string,
  ) {}

  async send(email: OutgoingEmail, deliveryId: string): Promise<{ providerId?: string }> {
    const info = await this.renderer.sendMail({
      messageId: `<${deliveryId}@${domainOf(this.from)}>`,
      from: this.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      ...(email.html ? { html: email.html } : {}),
    });
    // Mails carry sign-in and invitation links: the outbox is its owner's alone.
    await (this.folder ??= privateFolder(this.dir));
    // One event can mail several people (a transfer, a deletion): each delivery has a file of its own.
    const file = join(this.dir, `${safeFileName(email.idempotencyKey)}.${safeFileName(deliveryId)}.eml`);
    await writeFile(file, info.message as Buffer, { mode: 0o600 });
    return { providerId: file };
  }

  async close(): Promise<void> {}
}

/** Over plain `smtp://`, with a user or password: a login to keep off the wire unless STARTTLS protects it. */
function signsIn(smtpUrl: string): boolean {
  const url = new URL(smtpUrl);
  return url.protocol === 'smtp:' && (url.username !== '' || url.password !== '');
}

function domainOf(from: string): string {
  const [first] = addressparser(from, { flatten: true });
  return first?.address.split('@').pop() || 'localhost';
}

function safeFileName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
}
