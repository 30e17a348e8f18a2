import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { TOPICS } from '@app/contracts';
import { MESSAGE_BUS, eventMessage, type MessageBus } from '@app/messaging';
import { organizationEvent, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { startNotificationsOverSmtp } from '../notifications-over-smtp.testing';

describe('invitation links through a real SMTP server', () => {
  const eventStore = useTestEventStore();
  let started: Awaited<ReturnType<typeof startNotificationsOverSmtp>>;
  const smtp = () => started.smtp;

  beforeAll(async () => {
    started = await startNotificationsOverSmtp(eventStore.store.connectionString);
  });
  afterAll(() => started.close());

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
      eventMessage(
        TOPICS.membershipOrganizations,
        organizationEvent('InvitationSent', orgId, data, { revision, test: 'invitation-messages' }),
      );
    await started.notifications
      .get<MessageBus>(MESSAGE_BUS)
      .publish([published(sent('i1', erased), '0'), published(sent('i2', kept), '1')]);
    // Same organization, so handled in order: once the second has arrived, the first was handled.
    await waitFor(() => smtp().received.find((m) => m.to.includes(kept)), { timeoutMs: 15_000 });
    expect(smtp().received.filter((m) => m.to.includes(erased))).toEqual([]);
  });
});
