import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { TOPICS } from '@app/contracts';
import { dlqTopic, eventMessage, InProcessBus, type Subscription } from '@app/messaging';
import { makeTempDir, organizationEvent, waitFor } from '@app/testing';
import { busRetryOf } from '../app.module';
import { LocalDeliveryLog } from '../delivery/delivery-log';
import { SmtpMailTransport } from '../delivery/mail-transport';
import { Notifier } from '../delivery/notifier';
import { FileSmsTransport } from '../delivery/sms-transport';
import { startSmtpServer } from '../delivery/smtp-server.testing';
import { enabledNotices } from './notice-rules';
import { Notices } from './notices';
import { type RecipientDirectory } from './recipient-directory';
import { NoticeQuota } from '../quotas/notice-quota';
import { InvitationQuota } from '../requests/invitation-quota';

/**
 * One event, several people to tell (an ownership transfer tells both Owners): each recipient's delivery stands on
 * its own. A mailbox that keeps refusing neither holds up nor uses up the others' attempts, and one that never takes
 * the mail ends `dead` (for an operator to retry) while the rest are sent, each once.
 */
describe('notices to several recipients of one event, through a real SMTP server', () => {
  const orgId = randomUUID();
  const [ada, bob] = [`ada-${randomUUID().slice(0, 6)}`, `bob-${randomUUID().slice(0, 6)}`];
  const addressOf = (userId: string) => `${userId}@example.com`;
  // Only what a transfer's notices look up: the organization's name and each person's address.
  const directory = {
    organizationNameOf: async () => 'Acme',
    contactOf: async (userId: string) => ({ email: addressOf(userId), name: userId, verified: true }),
  } as unknown as RecipientDirectory;
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function transferWith(refuseTo: Record<string, number>, failWith = 451) {
    const smtp = await startSmtpServer({ refuseTo, failWith });
    const transport = new SmtpMailTransport(smtp.url, 'no-reply@platform.test');
    const log = new LocalDeliveryLog(join(await makeTempDir('each-recipient'), 'deliveries.jsonl'));
    const notifier = new Notifier(transport, new FileSmsTransport('/nonexistent'), log, { maxAttempts: 6 });
    const bus = new InProcessBus();
    await bus.ensureTopics([{ topic: TOPICS.membershipOrganizations }, { topic: TOPICS.identityUsers }]);
    const policy = busRetryOf({ retry: { maxAttempts: 6, initialBackoffMs: 1, maxBackoffMs: 5 } });
    const notices = new Notices(
      bus,
      notifier,
      directory,
      policy,
      'en',
      8,
      enabledNotices(),
      new InvitationQuota(),
      new NoticeQuota(),
    );
    await notices.onApplicationBootstrap();
    const deadLettered: string[] = [];
    const dlq: Subscription = await bus.subscribe({
      groupId: `dlq-${randomUUID()}`,
      topics: [dlqTopic(TOPICS.membershipOrganizations)],
      fromBeginning: true,
      handler: async (message) => void deadLettered.push(String(message.headers.ce_id)),
    });
    closers.push(
      () => smtp.stop(),
      () => transport.close(),
      () => notices.beforeApplicationShutdown(),
      () => dlq.close(),
    );
    const event = organizationEvent(
      'OwnershipTransferred',
      orgId,
      { from: ada, to: bob },
      { revision: '7', actor: ada, test: 'each-recipient' },
    );
    await bus.publish([eventMessage(TOPICS.membershipOrganizations, event)]);
    return { smtp, log, event, deadLettered };
  }

  const deliveredTo = (smtp: { received: { to: string[] }[] }, userId: string) =>
    smtp.received.filter((m) => m.to.includes(addressOf(userId))).length;

  it('a mailbox that refuses longer than another costs the other nothing: both are sent, each once', async () => {
    const { smtp, log, event } = await transferWith({ [addressOf(ada)]: 3, [addressOf(bob)]: 5 });
    await waitFor(() => deliveredTo(smtp, ada) === 1 && deliveredTo(smtp, bob) === 1, { timeoutMs: 20_000 });
    // The server has it before the notifier has its answer and records it.
    await waitFor(
      async () =>
        (await log.find(`${event.id}|email|${addressOf(ada)}`))?.status === 'sent' &&
        (await log.find(`${event.id}|email|${addressOf(bob)}`))?.status === 'sent',
      { what: 'both recorded sent' },
    );
    expect(await log.find(`${event.id}|email|${addressOf(ada)}`)).toMatchObject({
      status: 'sent',
      attempts: 4,
    });
    expect(await log.find(`${event.id}|email|${addressOf(bob)}`)).toMatchObject({
      status: 'sent',
      attempts: 6,
    });
  });

  it('a mailbox that never takes it ends dead, the event in the DLQ, and the other recipient is sent once', async () => {
    const { smtp, log, event, deadLettered } = await transferWith({ [addressOf(ada)]: 1_000 });
    await waitFor(() => deadLettered.includes(event.id), { timeoutMs: 20_000 });
    expect(await log.find(`${event.id}|email|${addressOf(ada)}`)).toMatchObject({
      status: 'dead',
      attempts: 6,
    });
    expect(await log.find(`${event.id}|email|${addressOf(bob)}`)).toMatchObject({
      status: 'sent',
      attempts: 1,
    });
    expect(deliveredTo(smtp, bob)).toBe(1);
  });
});
