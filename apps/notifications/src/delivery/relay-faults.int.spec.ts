import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { DependencyUnavailableError, isDependencyOutage, PoisonMessageError } from '@app/messaging';
import { PseudonymousIds } from '@app/personal-data';
import { makeTempDir, waitFor } from '@app/testing';
import { classifyFailure } from './delivery-failure';
import { LocalDeliveryLog, type AttemptOutcome, type ClaimedDelivery } from './delivery-log';
import { SmtpMailTransport } from './mail-transport';
import { DeliveryDeferredError, Notifier } from './notifier';
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

  it('only what fails before a message is begun is the relay’s; from MAIL FROM on, a failure counts as an attempt', () => {
    const failure = (fields: Record<string, unknown>) =>
      classifyFailure(Object.assign(new Error('no'), fields));
    const held = { permanent: false, unreachable: true, reason: 'no' };
    // Not reached, not secured, not signed in to, or refusing at the greeting or before the envelope.
    expect(failure({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' })).toEqual(held);
    expect(failure({ code: 'EDNS' })).toEqual(held);
    expect(failure({ code: 'ETLS', command: 'STARTTLS' })).toEqual(held);
    expect(failure({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' })).toEqual(held);
    expect(failure({ code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT', command: 'CONN' })).toEqual(held);
    expect(failure({ code: 'EPROTOCOL', responseCode: 530, command: 'EHLO' })).toEqual(held);
    expect(
      failure({
        code: 'EPROTOCOL',
        responseCode: 554,
        command: 'CONN',
        message: 'Invalid greeting. response=554',
      }),
    ).toMatchObject({ unreachable: true });
    expect(failure({ code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED', command: 'CONN' })).toEqual(held);
    // The pool's answer for a connection closed before any reply, once it stopped trying again.
    expect(failure({ code: 'ECONNECTION' })).toEqual(held);
    // This message's: its size or encoding at MAIL FROM, its recipient, its data, a connection lost or a reply timed
    // out in the middle of it (nodemailer tags those CONN too), an attempt aborted at its deadline.
    expect(failure({ code: 'EMESSAGE', command: 'MAIL FROM' })).toEqual({ permanent: false, reason: 'no' });
    expect(failure({ code: 'EENVELOPE', responseCode: 552, command: 'MAIL FROM' })).toEqual({
      permanent: true,
      reason: 'no',
    });
    expect(failure({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' })).toEqual({
      permanent: true,
      reason: 'no',
    });
    expect(failure({ code: 'EMESSAGE', responseCode: 451, command: 'DATA' })).toEqual({
      permanent: false,
      reason: 'no',
    });
    for (const midway of [
      { code: 'ECONNECTION', command: 'CONN' },
      // A pipelined 421 to RCPT TO: nodemailer reports it as the server closing, tagged CONN.
      { code: 'ECONNECTION', command: 'CONN', responseCode: 421 },
      { code: 'EPROTOCOL', command: 'CONN', responseCode: 451 },
      { code: 'ESOCKET', originalCode: 'ECONNRESET', command: 'CONN' },
      { code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT', command: 'CONN' },
      { code: 'EABORT', name: 'AbortError' },
    ])
      expect(failure(midway)).toEqual({ permanent: false, reason: 'no' });
    // An SMS provider nobody answers, as fetch reports it; one that reset a request it had may have sent it.
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyFailure(refused)).toMatchObject({ unreachable: true });
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    });
    expect(classifyFailure(reset)).toEqual({ permanent: false, reason: 'fetch failed' });
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
    // Greeting, EHLO, MAIL, RCPT, DATA and the message's end: six steps of 300 ms, each well within 1 s, and the
    // send would succeed after 1.8 s: its failure is the attempt's own deadline.
    const error = await transportTo(`smtp://127.0.0.1:${port}`, 1_000)
      .send(email('evt-slow'), 'delivery-slow')
      .catch((e: unknown) => e);
    expect((error as { name?: string }).name).toBe('AbortError');
    // The connection that carried it is closed: nothing of it goes on behind the next attempt.
    await waitFor(() => sockets.every((s) => s.destroyed || s.readyState === 'closed'), {
      what: 'the aborted connection closed',
    });
    // The relay had the message: an attempt, counted, so a slow relay gets it at most the attempts allowed.
    expect(classifyFailure(error)).toEqual({ permanent: false, reason: (error as Error).message });
  });

  it('a relay slower than an attempt gets the message at most as often as attempts are allowed, then it is dead', async () => {
    const smtp = await startSmtpServer({ answerAfterMs: 1_500 });
    cleanups.push(() => smtp.stop());
    const notifier = new Notifier(
      transportTo(smtp.url, 500),
      new FileSmsTransport('/nonexistent'),
      await deliveryLog(),
      { maxAttempts: 2, ids },
    );
    await expect(notifier.deliver(email('evt-slower'))).rejects.toBeInstanceOf(DeliveryDeferredError);
    await expect(notifier.deliver(email('evt-slower'))).rejects.toBeInstanceOf(PoisonMessageError);
    await expect(notifier.deliver(email('evt-slower'))).rejects.toBeInstanceOf(PoisonMessageError);
    expect(smtp.arrived.length).toBeLessThanOrEqual(2);
  });

  it('a relay whose certificate does not verify, or that closes before greeting, is held as an outage', async () => {
    const tlsServer = new SMTPServer({ secure: true, disableReverseLookup: true, authOptional: true });
    tlsServer.on('error', () => undefined); // the client hanging up on its certificate
    const tls = await listening(tlsServer);
    const untrusted = await transportTo(`smtps://127.0.0.1:${tls}`)
      .send(email('evt-cert'), 'delivery-cert')
      .catch((e: unknown) => e);
    expect(classifyFailure(untrusted)).toMatchObject({ unreachable: true });
    const closing = await listening(createServer((socket) => socket.end()));
    const closed = await transportTo(`smtp://127.0.0.1:${closing}`)
      .send(email('evt-closed'), 'delivery-closed')
      .catch((e: unknown) => e);
    expect(classifyFailure(closed)).toMatchObject({ unreachable: true });
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

describe('an operator retrying dead deliveries while the relay is down', () => {
  it('leaves them dead, to be retried again, not pending with no event left to bring them back', async () => {
    const smtp = await startSmtpServer({ failFirst: 1, failWith: 451 });
    const port = Number(new URL(smtp.url).port);
    const log = await deliveryLog();
    const notifier = new Notifier(transportTo(smtp.url), new FileSmsTransport('/nonexistent'), log, {
      maxAttempts: 1,
      ids,
    });
    await expect(notifier.deliver(email('evt-dead'))).rejects.toBeInstanceOf(PoisonMessageError);
    await smtp.stop();
    expect(await notifier.retryDead()).toEqual([
      expect.objectContaining({ _id: id('evt-dead'), status: 'dead' }),
    ]);
    expect((await log.list('dead', 10)).map((d) => d._id)).toEqual([id('evt-dead')]);
    const back = await startSmtpServer({ port });
    cleanups.unshift(() => back.stop());
    expect(await notifier.retryDead()).toEqual([expect.objectContaining({ status: 'sent' })]);
    expect(back.received).toHaveLength(1);
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
  /** A notifier whose log cannot record an attempt's end for `failingMs` from now. */
  async function inAnElection(failingMs: number, leaseMs: number) {
    const smtp = await startSmtpServer();
    cleanups.push(() => smtp.stop());
    const log = new LogInAnElection(join(await makeTempDir('deliveries'), 'deliveries.jsonl'));
    cleanups.push(() => log.close());
    log.failUntil = Date.now() + failingMs;
    const notifier = new Notifier(
      transportTo(smtp.url, Math.round(leaseMs / 3)),
      new FileSmsTransport('/nonexistent'),
      log,
      {
        leaseMs,
        ids,
      },
    );
    return { smtp, notifier };
  }

  it('records it as sent once the log is back within the lease: the mail goes once', async () => {
    const { smtp, notifier } = await inAnElection(1_500, 4_000);
    expect(await notifier.deliver(email('evt-election'))).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await notifier.deliver(email('evt-election'))).toBeUndefined();
    expect(smtp.received).toHaveLength(1);
  });

  it('gives up at the end of the lease: a stopping service is not held past it', async () => {
    // The log answers again after 10 s: a retry beyond the 1.5 s lease would record the mail sent instead.
    const { notifier } = await inAnElection(10_000, 1_500);
    await expect(notifier.deliver(email('evt-long-election'))).rejects.toThrow(/connection reset/);
  });
});
