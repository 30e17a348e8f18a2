import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { DependencyUnavailableError, isDependencyOutage } from '@app/messaging';
import { PseudonymousIds } from '@app/personal-data';
import { makeTempDir } from '@app/testing';
import { classifyFailure } from './delivery-failure';
import { LocalDeliveryLog, type AttemptOutcome, type ClaimedDelivery } from './delivery-log';
import { SmtpMailTransport } from './mail-transport';
import { Notifier } from './notifier';
import { type OutgoingEmail } from './outgoing-message';
import { FileSmsTransport } from './sms-transport';
import { startSmtpServer } from './smtp-server.testing';

const ids = new PseudonymousIds(randomBytes(32));
const email = (key: string): OutgoingEmail => ({
  channel: 'email',
  to: 'ada@example.com',
  subject: 'Reset your password',
  text: 'Open https://app.example.com/reset?token=abc',
  idempotencyKey: key,
});
const id = (key: string) => `${key}|email|ada@example.com`;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function deliveryLog(): Promise<LocalDeliveryLog> {
  const log = new LocalDeliveryLog(join(await makeTempDir('deliveries'), 'deliveries.jsonl'));
  cleanups.push(() => log.close());
  return log;
}

function transportTo(url: string, attemptTimeoutMs = 5_000): SmtpMailTransport {
  const transport = new SmtpMailTransport(url, 'no-reply@platform.test', attemptTimeoutMs);
  cleanups.push(() => transport.close());
  return transport;
}

async function listening(server: Server | SMTPServer): Promise<number> {
  const net = server instanceof SMTPServer ? server.server : server;
  await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve(undefined))));
  return (net.address() as AddressInfo).port;
}

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the mail relay failing, not the message', () => {
  it('a relay that is down uses up no attempt and dead-letters nothing, however long; once back, the mail goes once', async () => {
    const port = await closedPort();
    const log = await deliveryLog();
    const notifier = new Notifier(
      transportTo(`smtp://127.0.0.1:${port}`),
      new FileSmsTransport('/nonexistent'),
      log,
      { maxAttempts: 2, ids },
    );
    // Far more tries than the attempts allowed: each is the bus holding the event through an outage.
    for (let i = 0; i < 4; i++) {
      const error = await notifier.deliver(email('evt-down')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect(isDependencyOutage(error)).toBe(true);
    }
    expect(await log.find(id('evt-down'))).toMatchObject({ status: 'pending', attempts: 0 });
    const smtp = await startSmtpServer({ port });
    cleanups.unshift(() => smtp.stop());
    expect(await notifier.deliver(email('evt-down'))).toMatchObject({ status: 'sent', attempts: 1 });
    expect(smtp.received).toHaveLength(1);
  });

  it('a refusal before any recipient is named (530 STARTTLS, 550 for our sender) is the relay’s: held, not failed', () => {
    const at = (command: string, responseCode: number) =>
      classifyFailure(Object.assign(new Error(`${responseCode} no`), { command, responseCode }));
    for (const command of ['CONN', 'EHLO', 'STARTTLS', 'AUTH PLAIN', 'MAIL FROM'])
      expect(at(command, 550)).toMatchObject({ permanent: false, unreachable: true });
    // About this message: a recipient refused for good, a transient refusal of its data.
    expect(at('RCPT TO', 550)).toEqual({ permanent: true, reason: '550 no' });
    expect(at('DATA', 451)).toEqual({ permanent: false, reason: '451 no' });
    // An SMS provider nobody answers, as fetch reports it.
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyFailure(refused)).toMatchObject({ unreachable: true });
    expect(classifyFailure(new Error('something else'))).toEqual({
      permanent: false,
      reason: 'something else',
    });
  });

  it('a relay answering every step slowly, each within the timeout: the attempt as a whole gives up at it', async () => {
    const sockets: Socket[] = [];
    const stepMs = 300;
    const port = await listening(
      createServer((socket) => {
        sockets.push(socket);
        const reply = (line: string) =>
          setTimeout(() => socket.writable && socket.write(`${line}\r\n`), stepMs);
        reply('220 slow.example ESMTP');
        let inData = false;
        let pending = '';
        socket.on('data', (chunk: Buffer) => {
          pending += chunk.toString('latin1');
          for (let end = pending.indexOf('\r\n'); end >= 0; end = pending.indexOf('\r\n')) {
            const line = pending.slice(0, end);
            pending = pending.slice(end + 2);
            if (inData && line === '.') {
              inData = false;
              reply('250 queued');
            } else if (!inData && /^DATA/i.test(line)) {
              inData = true;
              reply('354 go on');
            } else if (!inData) reply('250 ok');
          }
        });
      }),
    );
    cleanups.push(async () => sockets.forEach((s) => s.destroy()));
    // Greeting, EHLO, MAIL, RCPT, DATA and the message's end: six steps of 300 ms, each well within 1 s.
    const started = performance.now();
    const error = await transportTo(`smtp://127.0.0.1:${port}`, 1_000)
      .send(email('evt-slow'), 'delivery-slow')
      .catch((e: unknown) => e);
    const took = performance.now() - started;
    expect(error).toMatchObject({ code: 'ETIMEDOUT' });
    expect(took).toBeLessThan(1_700);
    expect(classifyFailure(error)).toMatchObject({ unreachable: true });
  });

  it('a login in an smtp:// URL goes only over STARTTLS: a relay offering none never sees it, unless the URL allows it', async () => {
    const logins: string[] = [];
    const received: string[] = [];
    const port = await listening(
      new SMTPServer({
        disabledCommands: ['STARTTLS'],
        allowInsecureAuth: true,
        disableReverseLookup: true,
        onAuth(auth, _session, callback) {
          logins.push(`${auth.username}:${auth.password}`);
          callback(null, { user: auth.username });
        },
        onData(stream, session, callback) {
          stream.resume();
          stream.on('end', () => {
            received.push(...session.envelope.rcptTo.map((r) => r.address));
            callback();
          });
        },
      }),
    );
    const refused = await transportTo(`smtp://relay-user:s3cret@127.0.0.1:${port}`)
      .send(email('evt-tls'), 'delivery-tls')
      .catch((e: unknown) => e);
    expect(classifyFailure(refused)).toMatchObject({ unreachable: true });
    expect([logins, received]).toEqual([[], []]);
    await transportTo(`smtp://relay-user:s3cret@127.0.0.1:${port}?requireTLS=false`).send(
      email('evt-tls'),
      'delivery-tls',
    );
    expect([logins, received]).toEqual([['relay-user:s3cret'], ['ada@example.com']]);
  });
});

/** A log whose writes of an attempt's end fail (a MongoDB election) until `failUntil`. */
class LogInAnElection extends LocalDeliveryLog {
  failUntil = 0;
  override async finish(claimed: ClaimedDelivery, outcome: AttemptOutcome, now: number) {
    if (Date.now() < this.failUntil)
      throw Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
    return super.finish(claimed, outcome, now);
  }
}

describe('the delivery log failing after the relay took the mail', () => {
  it('records it as sent once the log is back within the lease: the mail goes once', async () => {
    const smtp = await startSmtpServer();
    cleanups.push(() => smtp.stop());
    const log = new LogInAnElection(join(await makeTempDir('deliveries'), 'deliveries.jsonl'));
    cleanups.push(() => log.close());
    const notifier = new Notifier(transportTo(smtp.url, 1_000), new FileSmsTransport('/nonexistent'), log, {
      leaseMs: 4_000,
      ids,
    });
    log.failUntil = Date.now() + 1_500;
    expect(await notifier.deliver(email('evt-election'))).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await notifier.deliver(email('evt-election'))).toBeUndefined();
    expect(smtp.received).toHaveLength(1);
  });
});
