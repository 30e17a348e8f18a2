import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import {
  dlqTopic,
  MESSAGE_BUS,
  subscribeToEvents,
  type MessageBus,
  type ReceivedMessage,
} from '@app/messaging';
import { PERSONAL_DATA, readInfrastructureConfig } from '@app/platform';
import { type PersonalData } from '@app/personal-data';
import { makeTempDir, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { publicDeliveryId } from '../delivery/delivery-outcomes';
import { startSmtpServer } from '../delivery/smtp-server.testing';
import { createNotificationsApp } from '../notifications.app';
import { emailRequested } from '../requests/email-requested.testing';

const ADMIN_TOKEN = 'test-admin-token-0123456789-abcdefghij';

describe('dead deliveries: dead-lettered, listed and retried by an operator', () => {
  const eventStore = useTestEventStore();
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let notifications: INestApplication;
  const deadLettered: ReceivedMessage[] = [];
  const outcomes: EventEnvelope[] = [];

  beforeAll(async () => {
    process.env.NOTIFICATIONS_ADMIN_TOKEN = ADMIN_TOKEN;
    smtp = await startSmtpServer({ failFirst: 1_000, failWith: 421 });
    notifications = await createNotificationsApp(
      // On the in-process bus and the file log even in the Kafka run: a notifications service whose SMTP server
      // refuses everything must not join the consumer group that the other suites' services deliver in.
      {
        ...readInfrastructureConfig({ DATA_DIR: await makeTempDir('notifications-admin') }),
        eventStoreConnectionString: eventStore.store.connectionString,
      },
      {
        quiet: true,
        delivery: {
          smtpUrl: smtp.url,
          deliveryLogFile: join(await makeTempDir('deliveries'), 'deliveries.jsonl'),
          retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 50 },
        },
      },
    );
    await notifications.init();
    await notifications.get<MessageBus>(MESSAGE_BUS).subscribe({
      groupId: `dlq-watch-${randomUUID()}`,
      topics: [dlqTopic(TOPICS.notificationCommands)],
      fromBeginning: false,
      handler: async (message) => void deadLettered.push(message),
    });
    await subscribeToEvents(notifications.get<MessageBus>(MESSAGE_BUS), {
      groupId: `outcomes-watch-${randomUUID()}`,
      topics: [TOPICS.notificationDeliveries],
      fromBeginning: false,
      handler: async (event) => void outcomes.push(event),
    });
  });
  afterAll(async () => {
    delete process.env.NOTIFICATIONS_ADMIN_TOKEN;
    await notifications.close();
    await smtp.stop();
  });

  it('a request whose link is not on PUBLIC_URL (a forged phishing mail) is dead-lettered at once, and nothing reaches the relay', async () => {
    const to = `phished-${Date.now()}@example.com`;
    const { id, message } = emailRequested({
      template: 'reset-password',
      to,
      name: 'Ada',
      link: 'https://evil.example/reset-password?token=t',
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await notifications.get<MessageBus>(MESSAGE_BUS).publish([message]);
    const letter = await waitFor(() => deadLettered.find((m) => m.headers.ce_id === id), {
      timeoutMs: 15_000,
    });
    expect([letter.headers.dlq_error, letter.headers.dlq_attempts]).toEqual([
      'PoisonMessageError: the link is not on PUBLIC_URL: not mailed',
      '1',
    ]);
    expect(smtp.arrived).not.toContain(to);
  });

  it('a delivery that keeps failing is dead and in the DLQ; an operator retries it once the server is back', async () => {
    const to = `dead-${Date.now()}@example.com`;
    const { id, message } = emailRequested({
      template: 'verify-email',
      to,
      userId: 'user-dead-1',
      name: 'Ada',
      link: 'http://127.0.0.1:3000/verify-email?token=t', // PUBLIC_URL's default
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await notifications.get<MessageBus>(MESSAGE_BUS).publish([message]);
    const letter = await waitFor(() => deadLettered.find((m) => m.headers.ce_id === id), {
      timeoutMs: 15_000,
    });
    expect(letter.headers.dlq_error).toMatch(/dead after 2 attempts/);
    const http = request(notifications.getHttpServer());
    await http.get('/admin/deliveries?status=dead').expect(401);
    await http.get('/admin/deliveries?status=dead').set('authorization', 'Bearer wrong-token').expect(401);
    const dead = await http
      .get('/admin/deliveries?status=dead')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(200);
    expect(dead.body.items).toEqual([
      expect.objectContaining({
        id: `${id}|email|${to}`,
        status: 'dead',
        attempts: 2,
        lastError: expect.stringMatching(/421/),
      }),
    ]);
    expect(JSON.stringify(dead.body)).not.toContain('token=t');
    expect(smtp.received).toHaveLength(0);

    // the operator command lists the same, with the token; with another it is refused and says so
    await notifications.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(notifications.getHttpServer().address() as AddressInfo).port}`;
    const command = (token: string, ...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        ['-r', '@swc-node/register', 'scripts/notifications/retry-dead.ts', '--url', url, ...args],
        { env: { ...process.env, NOTIFICATIONS_ADMIN_TOKEN: token }, timeout: 60_000 },
      );
    const listed = await command(ADMIN_TOKEN, '--list');
    expect(listed.stdout).toContain(`dead     email ${to} (2 attempt(s))`);
    expect(listed.stdout).toContain('1 dead deliveries');
    const refusedCommand = await command('not-the-admin-token-0123456789-abcdef', '--list').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(refusedCommand).toMatchObject({ code: 1, stderr: expect.stringContaining('401') });
    expect(smtp.received).toHaveLength(0);

    smtp.failNext(0);
    // without the admin token nothing is retried, and nothing is sent
    await http.post('/admin/deliveries/retry-dead').expect(401);
    expect(smtp.received).toHaveLength(0);
    const retried = await http
      .post('/admin/deliveries/retry-dead')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(201);
    expect(retried.body).toMatchObject({
      retried: 1,
      items: [expect.objectContaining({ status: 'sent', attempts: 1 })],
    });
    expect(smtp.received.map((m) => m.to)).toEqual([[to]]);
    // announced: dead, then sent; with what it was about, never the address or the link
    const announced = await waitFor(
      () => {
        const mine = outcomes.filter((e) => e.causationid === id);
        return mine.length >= 2 ? mine : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(announced.map((e) => [e.type, (e.data as { status?: string }).status])).toEqual([
      ['notifications.DeliveryFailed.v1', 'dead'],
      ['notifications.DeliverySucceeded.v1', undefined],
    ]);
    // the delivery's public id: a keyed hash of event, channel and address, one for both outcomes and the Message-ID
    const { pseudonyms } = notifications.get<PersonalData>(PERSONAL_DATA);
    const deliveryId = publicDeliveryId(pseudonyms, `${id}|email|${to}`);
    expect(announced[0]!.data).toMatchObject({ deliveryId });
    expect(smtp.received[0]!.raw).toMatch(new RegExp(`^Message-ID: <${deliveryId}@`, 'im'));
    expect(announced[1]!.data).toMatchObject({
      deliveryId,
      causeEventId: id,
      channel: 'email',
      attempts: 1,
      about: { userId: 'user-dead-1' },
    });
    expect(JSON.stringify(announced)).not.toContain('token=t');
    expect(JSON.stringify(announced)).not.toContain(to);
    await http
      .get('/admin/deliveries?status=bogus')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .expect(400);
  });
});
