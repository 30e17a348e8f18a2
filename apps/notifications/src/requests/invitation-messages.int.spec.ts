import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { jsonEvent } from '@eventstore/db-client';
import { TOPICS } from '@app/contracts';
import { MESSAGE_BUS, eventMessage, type MessageBus } from '@app/messaging';
import { readInfrastructureConfig } from '@app/platform';
import { makeTempDir, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { startSmtpServer } from '../delivery/smtp-server.testing';
import { createNotificationsApp } from '../notifications.app';

describe('invitation links through a real SMTP server', () => {
  const eventStore = useTestEventStore();
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let notifications: INestApplication;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    notifications = await createNotificationsApp(
      { ...readInfrastructureConfig(), eventStoreConnectionString: eventStore.store.connectionString },
      {
        quiet: true,
        delivery: {
          smtpUrl: smtp.url,
          mailFrom: 'no-reply@platform.test',
          deliveryLogFile: join(await makeTempDir('deliveries'), 'deliveries.jsonl'),
        },
      },
    );
    await notifications.init();
  });
  afterAll(async () => {
    await notifications.close();
    await smtp.stop();
  });

  it('a send handled after its invitee was erased (a backlog, a retry) is not delivered', async () => {
    const orgId = randomUUID();
    const at = new Date().toISOString();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const [erased, kept] = [`erased-${orgId}@example.com`, `kept-${orgId}@example.com`];
    const sent = (invitationId: string, email: string) => ({
      orgId,
      invitationId,
      sendSequence: 1,
      expiresAt,
      email,
      orgName: 'Acme',
      role: 'user',
      actorId: 'owner',
      at,
    });
    // The store by the time the send is handled: sent, then erased (revoked with it).
    await eventStore.client.appendToStream(`organization-${orgId}`, [
      jsonEvent({ type: 'InvitationSent', data: sent('i1', erased) }),
      jsonEvent({ type: 'InvitationSent', data: sent('i2', kept) }),
      jsonEvent({ type: 'InvitationRevoked', data: { orgId, invitationId: 'i1', actorId: 'op', at } }),
      jsonEvent({
        type: 'InviteeErased',
        data: { orgId, invitationIds: ['i1'], erasedKeys: ['addr-1'], actorId: 'op', at },
      }),
    ]);
    const published = (data: ReturnType<typeof sent>, revision: string) =>
      eventMessage(TOPICS.membershipOrganizations, {
        id: randomUUID(),
        type: 'membership.InvitationSent.v1',
        source: '/identity-platform/tests/invitation-messages',
        subject: orgId,
        time: at,
        specversion: '1.0',
        datacontenttype: 'application/json',
        correlationid: randomUUID(),
        causationid: randomUUID(),
        actor: 'owner',
        tenant: orgId,
        revision,
        data,
      });
    await notifications
      .get<MessageBus>(MESSAGE_BUS)
      .publish([published(sent('i1', erased), '0'), published(sent('i2', kept), '1')]);
    // Same organization, so handled in order: once the second has arrived, the first was handled.
    await waitFor(() => smtp.received.find((m) => m.to.includes(kept)), { timeoutMs: 15_000 });
    expect(smtp.received.filter((m) => m.to.includes(erased))).toEqual([]);
  });
});
