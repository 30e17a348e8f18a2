import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { TOPICS } from '@app/contracts';
import { MESSAGE_BUS, eventMessage, type MessageBus } from '@app/messaging';
import { organizationEvent, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { deliveryIdOf, type DeliveryLog } from '../delivery/delivery-log';
import { startNotificationsOverSmtp } from '../notifications-over-smtp.testing';
import { DELIVERY_LOG } from '../notifications.tokens';

describe('invitation links through a real SMTP server', () => {
  const eventStore = useTestEventStore();
  let started: Awaited<ReturnType<typeof startNotificationsOverSmtp>>;
  const smtp = () => started.smtp;
  // The SMTP server refuses its first message to this address (451, try again later).
  const refusedOnce = `refused-once-${randomUUID().slice(0, 8)}@example.com`;

  beforeAll(async () => {
    started = await startNotificationsOverSmtp(eventStore.store.connectionString, {
      smtp: { refuseTo: { [refusedOnce]: 1 } },
      // A refused message comes back no sooner than 1.5 s: time for a test to change the store meanwhile.
      retry: { initialBackoffMs: 3_000 },
    });
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

  it('R5/R6: a send handled after its invitation was revoked, accepted or expired, or sent again, is not delivered; the latest send is', async () => {
    const orgId = randomUUID();
    const at = new Date().toISOString();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const to = (name: string) => `${name}-${orgId}@example.com`;
    const sent = (invitationId: string, sendSequence = 1) => ({
      orgId,
      invitationId,
      sendSequence,
      expiresAt,
      email: to(invitationId),
      orgName: 'Acme',
      role: 'user',
      actorId: 'owner',
      at,
    });
    const ended = (type: string, invitationId: string, extra = {}) =>
      jsonEvent({ type, data: { orgId, invitationId, actorId: 'owner', at, ...extra } });
    // The store by the time the sends are handled.
    await eventStore.client.appendToStream(`organization-${orgId}`, [
      jsonEvent({ type: 'InvitationSent', data: sent('revoked') }),
      jsonEvent({ type: 'InvitationSent', data: sent('accepted') }),
      jsonEvent({ type: 'InvitationSent', data: sent('expired') }),
      jsonEvent({ type: 'InvitationSent', data: sent('resent', 1) }),
      jsonEvent({ type: 'InvitationSent', data: sent('resent', 2) }),
      jsonEvent({ type: 'InvitationSent', data: sent('pending') }),
      ended('InvitationRevoked', 'revoked'),
      ended('InvitationAccepted', 'accepted', { userId: 'u1' }),
      ended('InvitationExpired', 'expired'),
    ]);
    const published = (data: ReturnType<typeof sent>, revision: number) =>
      eventMessage(
        TOPICS.membershipOrganizations,
        organizationEvent('InvitationSent', orgId, data, {
          revision: String(revision),
          test: 'invitation-messages',
        }),
      );
    await started.notifications
      .get<MessageBus>(MESSAGE_BUS)
      .publish([
        published(sent('revoked'), 0),
        published(sent('accepted'), 1),
        published(sent('expired'), 2),
        published(sent('resent', 1), 3),
        published(sent('resent', 2), 4),
        published(sent('pending'), 5),
      ]);
    // Same organization, so handled in order: once the last has arrived, the others were handled.
    await waitFor(() => smtp().received.find((m) => m.to.includes(to('pending'))), { timeoutMs: 15_000 });
    const mailed = smtp().received.filter((m) =>
      m.to.some((address) => address.endsWith(`-${orgId}@example.com`)),
    );
    expect(mailed.map((m) => m.to)).toEqual([[to('resent')], [to('pending')]]);
    // The resent invitation's mail carries the second send's link (its token names the send).
    expect(mailed[0]!.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')).toContain(
      '/invitations#token=resent.2.',
    );
  });

  it('a send tried and left pending, then revoked before its retry, is settled as failed and never sent', async () => {
    const orgId = randomUUID();
    const at = new Date().toISOString();
    const data = {
      orgId,
      invitationId: 'i1',
      sendSequence: 1,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      email: refusedOnce,
      orgName: 'Acme',
      role: 'user',
      actorId: 'owner',
      at,
    };
    await eventStore.client.appendToStream(`organization-${orgId}`, [
      jsonEvent({ type: 'InvitationSent', data }),
    ]);
    const event = organizationEvent('InvitationSent', orgId, data, { test: 'invitation-messages' });
    const log = started.notifications.get<DeliveryLog>(DELIVERY_LOG);
    const id = deliveryIdOf({
      channel: 'email',
      to: refusedOnce,
      idempotencyKey: event.id,
    });
    await started.notifications
      .get<MessageBus>(MESSAGE_BUS)
      .publish([eventMessage(TOPICS.membershipOrganizations, event)]);
    const tried = await waitFor(
      async () => {
        const record = await log.find(id);
        return record?.status === 'pending' && record.attempts === 1 ? record : undefined;
      },
      { timeoutMs: 15_000, what: 'the first attempt refused and left pending' },
    );
    expect(tried.lastError).toMatch(/451/);
    await eventStore.client.appendToStream(`organization-${orgId}`, [
      jsonEvent({ type: 'InvitationRevoked', data: { orgId, invitationId: 'i1', actorId: 'owner', at } }),
    ]);
    const settled = await waitFor(
      async () => {
        const record = await log.find(id);
        return record?.status === 'failed' ? record : undefined;
      },
      { timeoutMs: 20_000, what: 'the pending delivery settled as failed' },
    );
    expect([settled.attempts, settled.lastError]).toEqual([
      1,
      'the invitation was revoked, accepted, expired or sent again, or its invitee erased',
    ]);
    expect(smtp().received.filter((m) => m.to.includes(refusedOnce))).toEqual([]);
  }, 40_000);

  it('R5: a withdrawal is told only to an invitee whose invitation was delivered', async () => {
    const orgId = randomUUID();
    const at = new Date().toISOString();
    const [neverMailed, mailed] = [`never-${orgId}@example.com`, `mailed-${orgId}@example.com`];
    const [neverSent, sentAs] = [randomUUID(), randomUUID()];
    const sent = (invitationId: string, email: string) => ({
      orgId,
      invitationId,
      sendSequence: 1,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      email,
      orgName: 'Acme',
      role: 'user',
      actorId: 'owner',
      at,
    });
    const revoked = (invitationId: string) => ({ orgId, invitationId, actorId: 'owner', at });
    await eventStore.client.appendToStream(`organization-${orgId}`, [
      jsonEvent({
        type: 'OrganizationCreated',
        data: { orgId, name: 'Acme', ownerId: 'owner', actorId: 'owner', at },
      }),
      jsonEvent({ id: neverSent, type: 'InvitationSent', data: sent('i1', neverMailed) }),
      jsonEvent({ id: sentAs, type: 'InvitationSent', data: sent('i2', mailed) }),
    ]);
    const bus = started.notifications.get<MessageBus>(MESSAGE_BUS);
    const published = (type: string, data: Record<string, unknown>, revision: number, id?: string) =>
      eventMessage(TOPICS.membershipOrganizations, {
        ...organizationEvent(type, orgId, data, { revision: String(revision), test: 'invitation-messages' }),
        ...(id ? { id } : {}),
      });
    // i2's send is handled (while it was still current) and delivered; i1's never was.
    await bus.publish([published('InvitationSent', sent('i2', mailed), 2, sentAs)]);
    await waitFor(() => smtp().received.find((m) => m.to.includes(mailed)), { timeoutMs: 15_000 });
    await eventStore.client.appendToStream(`organization-${orgId}`, [
      jsonEvent({ type: 'InvitationRevoked', data: revoked('i1') }),
      jsonEvent({ type: 'InvitationRevoked', data: revoked('i2') }),
    ]);
    await bus.publish([
      published('InvitationRevoked', revoked('i1'), 3),
      published('InvitationRevoked', revoked('i2'), 4),
    ]);
    // Same organization, so handled in order: once i2's withdrawal has arrived, i1's was handled.
    await waitFor(() => smtp().received.filter((m) => m.to.includes(mailed)).length === 2 || undefined, {
      timeoutMs: 15_000,
      what: 'the withdrawal told to the invitee who was mailed',
    });
    expect(smtp().received.filter((m) => m.to.includes(mailed))[1]!.raw).toContain(
      'Your invitation to Acme was withdrawn',
    );
    expect(smtp().received.filter((m) => m.to.includes(neverMailed))).toEqual([]);
  });
});
