import { randomBytes, randomUUID } from 'node:crypto';
import { appendFile, chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PoisonMessageError, deliverWithRetries, isContention } from '@app/messaging';
import { PseudonymousIds } from '@app/personal-data';
import { infraEnv, makeTempDir, withTempDir } from '@app/testing';
import { LocalDeliveryLog, type DeliveryLog } from './delivery-log';
import { FileMailTransport, SmtpMailTransport } from './mail-transport';
import { MongoDeliveryLog } from './mongo-delivery-log';
import { publicDeliveryId } from './delivery-outcomes';
import { DeliveryDeferredError, Notifier } from './notifier';
import { type OutgoingEmail } from './outgoing-message';
import { FileSmsTransport, HttpSmsTransport, UnconfiguredSmsTransport } from './sms-transport';
import { startSmtpServer } from './smtp-server.testing';

const ids = new PseudonymousIds(randomBytes(32));

const email = (key: string, to = 'ada@example.com'): OutgoingEmail => ({
  channel: 'email',
  to,
  subject: 'Verify your e-mail',
  text: 'Open https://app.example.com/verify?token=abc',
  idempotencyKey: key,
});

/**
 * Each kind of log, opened again on the same storage as after a restart. MongoDB is shared by the instances of the
 * service; the file is one process's (the embedded default), where concurrent consumers share one log.
 */
const logs: [string, () => Promise<() => Promise<DeliveryLog>>, { sharedByInstances: boolean }][] = [
  [
    'a file under DATA_DIR',
    async () => {
      const file = join(await makeTempDir('deliveries'), 'deliveries.jsonl');
      return async () => new LocalDeliveryLog(file);
    },
    { sharedByInstances: false },
  ],
];
if (infraEnv.mongoUrl) {
  const url = `${infraEnv.mongoUrl.replace(/\/$/, '')}/deliveries_${randomUUID().slice(0, 8)}`;
  logs.push(['MongoDB', async () => () => MongoDeliveryLog.connect(url), { sharedByInstances: true }]);
}

describe.each(logs)(
  'Notifier with its delivery log in %s, through a real SMTP server',
  (_name, storage, kind) => {
    let open: () => Promise<DeliveryLog>;
    const opened: DeliveryLog[] = [];
    const closers: (() => Promise<void>)[] = [];
    beforeEach(async () => {
      open = await storage();
    });
    afterEach(async () => {
      for (const close of closers.splice(0)) await close();
      for (const log of opened.splice(0)) await log.close();
    });

    async function setUp(smtpBehaviour: Parameters<typeof startSmtpServer>[0] = {}, maxAttempts = 3) {
      const smtp = await startSmtpServer(smtpBehaviour);
      const transport = new SmtpMailTransport(smtp.url, 'no-reply@platform.test');
      closers.push(
        () => transport.close(),
        () => smtp.stop(),
      );
      const log = await open();
      opened.push(log);
      const notifier = (using: DeliveryLog) =>
        new Notifier(transport, new FileSmsTransport('/nonexistent'), using, {
          maxAttempts,
          ids,
        });
      return { smtp, log, notifier };
    }

    it('sends once per event, channel and recipient, and records it as sent', async () => {
      const { smtp, log, notifier } = await setUp();
      const sender = notifier(log);
      const first = await sender.deliver(email('evt-1'));
      expect(first).toMatchObject({ status: 'sent', attempts: 1, providerId: expect.any(String) });
      // the sent message's text (it may hold a single-use link) is not kept
      expect(JSON.stringify(await log.find('evt-1|email|ada@example.com'))).not.toContain('token=abc');
      expect(await sender.deliver(email('evt-1'))).toBeUndefined();
      // the same event to another recipient is another delivery
      expect(await sender.deliver(email('evt-1', 'bob@example.com'))).toMatchObject({ status: 'sent' });
      expect(smtp.received.map((m) => m.to)).toEqual([['ada@example.com'], ['bob@example.com']]);
      expect(smtp.received[0]!.raw).toContain('Subject: Verify your e-mail');
    });

    it('a redelivered event after a restart sends nothing: the log is kept', async () => {
      const { smtp, log, notifier } = await setUp();
      await notifier(log).deliver(email('evt-2'));
      const restarted = await open();
      opened.push(restarted);
      expect(await notifier(restarted).deliver(email('evt-2'))).toBeUndefined();
      expect(smtp.received).toHaveLength(1);
    });

    it('two consumers (instances, where the log is shared) racing on one delivery send it once', async () => {
      const { smtp, log, notifier } = await setUp();
      const other = kind.sharedByInstances ? await open() : log;
      if (other !== log) opened.push(other);
      const outcomes = await Promise.allSettled([
        notifier(log).deliver(email('evt-3')),
        notifier(other).deliver(email('evt-3')),
      ]);
      expect(smtp.received).toHaveLength(1);
      // the loser either saw it settled or was told to come back (its retry then finds it sent)
      for (const outcome of outcomes)
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(DeliveryDeferredError);
      expect(await notifier(other).deliver(email('evt-3'))).toBeUndefined();
    });

    it('an SMTP 4xx is transient: deferred for the bus to retry, then sent', async () => {
      const { smtp, log, notifier } = await setUp({ failFirst: 1, failWith: 451 });
      const sender = notifier(log);
      const deferred = await sender.deliver(email('evt-4')).catch((e: unknown) => e);
      expect(deferred).toBeInstanceOf(DeliveryDeferredError);
      // Tried and failed: the bus counts it.
      expect(isContention(deferred)).toBe(false);
      expect(await log.find('evt-4|email|ada@example.com')).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: expect.stringMatching(/451/),
      });
      expect(await sender.deliver(email('evt-4'))).toMatchObject({ status: 'sent', attempts: 2 });
      expect(smtp.received).toHaveLength(1);
    });

    it('a retried e-mail carries the Message-ID of its first attempt; each recipient has one of their own', async () => {
      const { smtp, log, notifier } = await setUp({ failFirst: 1, failWith: 451 });
      const sender = notifier(log);
      await expect(sender.deliver(email('evt-mid'))).rejects.toBeInstanceOf(DeliveryDeferredError);
      const sent = await sender.deliver(email('evt-mid'));
      await sender.deliver(email('evt-mid', 'bob@example.com'));
      const messageIdOf = (raw: string) => /^Message-ID: (<[^>]+>)$/im.exec(raw)?.[1];
      const first = messageIdOf(smtp.refused[0]!.raw);
      expect(first).toBe(`<${publicDeliveryId(ids, 'evt-mid|email|ada@example.com')}@platform.test>`);
      expect(messageIdOf(smtp.received[0]!.raw)).toBe(first);
      expect(sent?.providerId).toBe(first);
      expect(messageIdOf(smtp.received[1]!.raw)).not.toBe(first);
    });

    it('an SMTP 5xx is permanent: failed at once with the reason, never tried again', async () => {
      const { smtp, log, notifier } = await setUp({ failFirst: 5, failWith: 550 });
      const sender = notifier(log);
      expect(await sender.deliver(email('evt-5'))).toMatchObject({
        status: 'failed',
        attempts: 1,
        lastError: expect.stringMatching(/550/),
      });
      smtp.failNext(0);
      expect(await sender.deliver(email('evt-5'))).toBeUndefined();
      expect(smtp.received).toHaveLength(0);
    });

    it('an invalid address fails at once without reaching the server', async () => {
      const { smtp, log, notifier } = await setUp();
      expect(await notifier(log).deliver(email('evt-6', 'not an address'))).toMatchObject({
        status: 'failed',
        lastError: 'not a deliverable address',
      });
      expect(smtp.received).toHaveLength(0);
    });

    it('an attempt that ran past its lease cannot undo the attempt that took over', async () => {
      const { smtp, log } = await setUp();
      let clock = 1_000_000;
      const transport = new SmtpMailTransport(smtp.url, 'no-reply@platform.test');
      closers.unshift(() => transport.close()); // before the server stops: its pooled connection would hold it
      const sender = new Notifier(transport, new FileSmsTransport('/nonexistent'), log, {
        leaseMs: 1_000,
        now: () => clock,
      });
      const stale = await log.claim(email('evt-8'), clock, 1_000);
      if (stale.kind !== 'claimed') throw new Error('expected to claim');
      // the first attempt hangs; once its lease is over another takes the delivery and sends it
      const busy = await sender.deliver(email('evt-8')).catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(DeliveryDeferredError);
      expect((busy as DeliveryDeferredError).retryAfterMs).toBe(1_000);
      // Nothing was tried: a lost race to the bus, not a failure it counts.
      expect(isContention(busy)).toBe(true);
      clock += 1_001;
      expect(await sender.deliver(email('evt-8'))).toMatchObject({ status: 'sent' });
      // the stale attempt now ends in a transient failure: what it writes no longer counts
      const id = 'evt-8|email|ada@example.com';
      expect(await log.finish(stale.record, { status: 'pending', attempts: 1 }, clock)).toBeUndefined();
      expect(await log.find(id)).toMatchObject({ status: 'sent' });
      expect(await sender.deliver(email('evt-8'))).toBeUndefined();
      expect(smtp.received).toHaveLength(1);
    });

    it('an attempt that failed after another took the delivery over is not counted: the other records the outcome', async () => {
      const { smtp, log } = await setUp({ failFirst: 1, failWith: 451 });
      let clock = 3_000_000;
      const transport = new SmtpMailTransport(smtp.url, 'no-reply@platform.test');
      closers.unshift(() => transport.close());
      let takenOver: Awaited<ReturnType<DeliveryLog['claim']>> | undefined;
      // The relay answers after the lease: meanwhile another attempt takes the delivery.
      const slow = Object.assign(Object.create(transport) as SmtpMailTransport, {
        send: async (...args: Parameters<SmtpMailTransport['send']>) => {
          clock += 1_001;
          takenOver = await log.claim(email('evt-taken'), clock, 1_000);
          return transport.send(...args);
        },
      });
      const sender = new Notifier(slow, new FileSmsTransport('/nonexistent'), log, {
        leaseMs: 1_000,
        now: () => clock,
      });
      const failure = await sender.deliver(email('evt-taken')).catch((e: unknown) => e);
      expect(takenOver?.kind).toBe('claimed');
      expect([failure instanceof DeliveryDeferredError, isContention(failure)]).toEqual([true, true]);
      // What the log holds is the other attempt's, this one's failure unrecorded.
      expect(await log.find('evt-taken|email|ada@example.com')).toMatchObject({
        status: 'pending',
        attempts: 0,
      });
    });

    it('a delivery another attempt holds is waited for by the bus, not counted: its event is never dead-lettered for it', async () => {
      const { smtp, log } = await setUp();
      let clock = 2_000_000;
      const transport = new SmtpMailTransport(smtp.url, 'no-reply@platform.test');
      closers.unshift(() => transport.close());
      // One attempt of the notifier's; the bus allows one more (as busRetryOf does).
      const sender = new Notifier(transport, new FileSmsTransport('/nonexistent'), log, {
        leaseMs: 1_000,
        now: () => clock,
        maxAttempts: 1,
      });
      const held = await log.claim(email('evt-held'), clock, 1_000);
      expect(held.kind).toBe('claimed');
      let calls = 0;
      const deadLettered: unknown[] = [];
      const done = await deliverWithRetries(
        {
          topic: 'notifications.commands.v1',
          partition: 0,
          offset: '0',
          key: 'k',
          headers: {},
          value: Buffer.from('{}'),
        },
        async () => {
          // Held through three deliveries of the event, then its lease is over.
          if (++calls === 4) clock += 1_001;
          await sender.deliver(email('evt-held'));
        },
        { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 5, contendedAttempts: 1_000 },
        { publishToDlq: async (dead) => void deadLettered.push(dead), isRunning: () => true },
      );
      expect([done, calls, deadLettered]).toEqual([true, 4, []]);
      expect(await log.find('evt-held|email|ada@example.com')).toMatchObject({ status: 'sent', attempts: 1 });
      expect(smtp.received).toHaveLength(1);
    });

    it('claims and finishes made at once are each answered for itself (group-committed in MongoDB)', async () => {
      const { log } = await setUp();
      const now = Date.now();
      // a delivery whose first attempt's lease ran out, then was taken over
      const lapsed = await log.claim(email('evt-lapsed'), now - 10_000, 1_000);
      const keys = Array.from({ length: 12 }, (_, i) => `evt-batch-${i}`);
      const claims = await Promise.all([
        ...keys.map((key) => log.claim(email(key), now, 60_000)),
        log.claim(email('evt-batch-3'), now, 60_000), // the same delivery, claimed twice at once
        log.claim(email('evt-lapsed'), now, 60_000),
      ]);
      const kinds = claims.map((c) => c.kind);
      expect(kinds.filter((k) => k === 'claimed')).toHaveLength(13);
      expect([kinds[3], kinds[12]].sort()).toEqual(['busy', 'claimed']);
      expect(kinds[13]).toBe('claimed');

      if (lapsed.kind !== 'claimed') throw new Error('expected to claim');
      const held = claims.flatMap((c) => (c.kind === 'claimed' ? [c.record] : []));
      const finishes = await Promise.all([
        ...held.map((record) =>
          log.finish(record, { status: 'sent', attempts: 1, providerId: 'p' }, now + 1),
        ),
        log.finish(lapsed.record, { status: 'failed', attempts: 1, lastError: 'late' }, now + 1),
      ]);
      expect(finishes.slice(0, held.length)).toEqual(
        held.map(() => expect.objectContaining({ status: 'sent' })),
      );
      expect(finishes.at(-1)).toBeUndefined(); // its lease was taken over: what it writes does not count
      // ended again by the same attempt (a retry after a lost answer): nothing written, the first ending answered
      expect(
        await log.finish(held[0]!, { status: 'failed', attempts: 1, lastError: 'again' }, now + 2),
      ).toEqual(finishes[0]);
      const deferred = await log.claim(email('evt-batch-deferred'), now, 60_000);
      if (deferred.kind !== 'claimed') throw new Error('expected to claim');
      const firstEnd = await log.finish(
        deferred.record,
        { status: 'pending', attempts: 1, lastError: '421' },
        now,
      );
      expect(firstEnd).toMatchObject({ status: 'pending', attempts: 1 });
      expect(await log.finish(deferred.record, { status: 'sent', attempts: 1 }, now + 1)).toEqual(firstEnd);
      expect(await log.find('evt-batch-deferred|email|ada@example.com')).toMatchObject({
        status: 'pending',
        lastError: '421',
      });
      for (const key of [...keys, 'evt-lapsed'])
        expect(await log.find(`${key}|email|ada@example.com`)).toMatchObject({
          status: 'sent',
          providerId: 'p',
        });
    });

    it('attempts used up: dead, thrown as poison for the DLQ; an operator retry sends it', async () => {
      const { smtp, log, notifier } = await setUp({ failFirst: 100, failWith: 421 }, 2);
      const sender = notifier(log);
      await expect(sender.deliver(email('evt-7'))).rejects.toBeInstanceOf(DeliveryDeferredError);
      await expect(sender.deliver(email('evt-7'))).rejects.toBeInstanceOf(PoisonMessageError);
      expect(await log.find('evt-7|email|ada@example.com')).toMatchObject({ status: 'dead', attempts: 2 });
      // dead stays dead until an operator acts; its event, delivered again, goes to the DLQ again
      await expect(sender.deliver(email('evt-7'))).rejects.toBeInstanceOf(PoisonMessageError);
      smtp.failNext(0);
      expect(await sender.retryDead()).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
      expect(smtp.received).toHaveLength(1);
      expect(await log.list('dead', 10)).toEqual([]);
    });
  },
);

describe('Notifier through an HTTP SMS provider', () => {
  let server: Server;
  let answers: { status: number; headers?: Record<string, string> }[];
  const received: unknown[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = answers.shift() ?? { status: 200 };
        if (answer.status === 200) received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify({ id: `sms-${received.length}` }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const sms = (key: string) => ({
    channel: 'sms' as const,
    to: '+14155550100',
    text: 'Your code',
    idempotencyKey: key,
  });
  const notifier = () =>
    new Notifier(
      new FileMailTransport('/nonexistent', 'x@y.z'),
      new HttpSmsTransport(`http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`),
      new LocalDeliveryLog(),
    );

  it('429 with Retry-After is deferred for that long; then sent with the provider id', async () => {
    answers = [{ status: 429, headers: { 'retry-after': '2' } }];
    const sender = notifier();
    const deferred = await sender.deliver(sms('sms-1')).catch((e: unknown) => e);
    expect(deferred).toBeInstanceOf(DeliveryDeferredError);
    expect((deferred as DeliveryDeferredError).retryAfterMs).toBe(2_000);
    expect(await sender.deliver(sms('sms-1'))).toMatchObject({ status: 'sent', providerId: 'sms-1' });
  });

  it('a 4xx is permanent, a 5xx transient', async () => {
    answers = [{ status: 400 }];
    expect(await notifier().deliver(sms('sms-2'))).toMatchObject({ status: 'failed', lastError: /400/ });
    answers = [{ status: 503 }];
    await expect(notifier().deliver(sms('sms-3'))).rejects.toBeInstanceOf(DeliveryDeferredError);
  });

  it('without a provider where one is required, an SMS fails at once with the setting named', async () => {
    const unconfigured = new Notifier(
      new FileMailTransport('/nonexistent', 'x@y.z'),
      new UnconfiguredSmsTransport(),
      new LocalDeliveryLog(),
    );
    expect(await unconfigured.deliver(sms('sms-4'))).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'no SMS provider configured (SMS_PROVIDER_URL)',
    });
  });
});

describe('Notifier on the embedded default', () => {
  it('writes viewable .eml files and SMS lines under the data dir', async () => {
    await withTempDir('outbox', async (dir) => {
      // As an earlier release left them: readable by anyone.
      await mkdir(join(dir, 'sms'), { mode: 0o755 });
      await chmod(join(dir, 'sms'), 0o755);
      await writeFile(join(dir, 'sms', 'sms.jsonl'), '', { mode: 0o644 });
      await chmod(join(dir, 'sms', 'sms.jsonl'), 0o644);
      const notifier = new Notifier(
        new FileMailTransport(join(dir, 'email'), 'no-reply@platform.test'),
        new FileSmsTransport(join(dir, 'sms')),
        new LocalDeliveryLog(join(dir, 'deliveries.jsonl')),
      );
      await notifier.deliver(email('evt-3/invite'));
      await notifier.deliver({
        channel: 'sms',
        to: '+14155550100',
        text: 'Your code',
        idempotencyKey: 'evt-4/sms',
      });
      const files = await readdir(join(dir, 'email'));
      expect(files).toEqual([expect.stringMatching(/^evt-3_invite\.[0-9a-f-]{36}\.eml$/)]);
      const eml = await readFile(join(dir, 'email', files[0]!), 'utf8');
      expect(eml).toContain('To: ada@example.com');
      expect(eml).toContain('Subject: Verify your e-mail');
      const sms = (await readFile(join(dir, 'sms', 'sms.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(sms).toEqual([expect.objectContaining({ to: '+14155550100', text: 'Your code' })]);
      // They carry links: readable by their owner only.
      for (const path of [join(dir, 'email'), join(dir, 'sms')])
        expect([path, (await stat(path)).mode & 0o777]).toEqual([path, 0o700]);
      for (const path of [join(dir, 'email', files[0]!), join(dir, 'sms', 'sms.jsonl')])
        expect([path, (await stat(path)).mode & 0o777]).toEqual([path, 0o600]);
    });
  });
});

describe('Notifier on the embedded default, one event to several people', () => {
  it('writes one .eml file per recipient, and a repeated delivery no other', async () => {
    await withTempDir('outbox', async (dir) => {
      const notifier = new Notifier(
        new FileMailTransport(join(dir, 'email'), 'no-reply@platform.test'),
        new FileSmsTransport(join(dir, 'sms')),
        new LocalDeliveryLog(join(dir, 'deliveries.jsonl')),
      );
      await notifier.deliver(email('evt-5/transfer', 'ada@example.com'));
      await notifier.deliver(email('evt-5/transfer', 'bob@example.com'));
      await notifier.deliver(email('evt-5/transfer', 'bob@example.com'));
      const files = (await readdir(join(dir, 'email'))).sort();
      expect(files).toHaveLength(2);
      const recipients = await Promise.all(
        files.map(async (file) => /^To: (.+)$/m.exec(await readFile(join(dir, 'email', file), 'utf8'))?.[1]),
      );
      expect(recipients.sort()).toEqual(['ada@example.com', 'bob@example.com']);
    });
  });
});

describe('the delivery log file after a crash', () => {
  it('a record cut short by a crash is skipped, and the records written after the restart are kept', async () => {
    await withTempDir('deliveries', async (dir) => {
      const file = join(dir, 'deliveries.jsonl');
      const first = new LocalDeliveryLog(file);
      const claim = await first.claim(email('evt-9'), 1, 60_000);
      if (claim.kind !== 'claimed') throw new Error('expected to claim');
      expect(await first.finish(claim.record, { status: 'sent', attempts: 1 }, 2)).toMatchObject({
        status: 'sent',
        attempts: 1,
        updatedAt: new Date(2).toISOString(),
      });
      await appendFile(file, '{"_id":"torn');
      const restarted = new LocalDeliveryLog(file);
      expect(await restarted.find('evt-9|email|ada@example.com')).toMatchObject({ status: 'sent' });
      await restarted.claim(email('evt-10'), 3, 60_000);
      const again = new LocalDeliveryLog(file);
      expect(await again.find('evt-10|email|ada@example.com')).toMatchObject({ status: 'pending' });
    });
  });
});
