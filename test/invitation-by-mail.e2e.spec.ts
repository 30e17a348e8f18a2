import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { readInfrastructureConfig } from '@app/platform';
import { makeTempDir, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { type IdentityHarness, startIdentity } from '../apps/identity/src/commands/identity-harness.testing';
import {
  type MembershipHarness,
  startMembership,
} from '../apps/membership/src/commands/membership-harness.testing';
import { startSmtpServer } from '../apps/notifications/src/delivery/smtp-server.testing';
import { createNotificationsApp } from '../apps/notifications/src/notifications.app';

const SECRET = 'e2e-mail-invitation-secret-of-32-bytes-or-more';

/** R5/R6 end to end: invite -> the link arrives by SMTP -> a new user registers from it -> they are a member. */
describe('an invitation travels by mail and is accepted by registering', () => {
  const eventStore = useTestEventStore();
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let notifications: INestApplication;
  let membership: MembershipHarness;
  let identity: IdentityHarness;
  const previous = process.env.INVITATION_TOKEN_SECRET;

  beforeAll(async () => {
    process.env.INVITATION_TOKEN_SECRET = SECRET;
    smtp = await startSmtpServer();
    const infra = {
      ...readInfrastructureConfig(),
      eventStoreConnectionString: eventStore.store.connectionString,
    };
    notifications = await createNotificationsApp(infra, {
      quiet: true,
      delivery: {
        deliveryLogFile: join(await makeTempDir('deliveries'), 'deliveries.jsonl'),
        smtpUrl: smtp.url,
        mailFrom: 'no-reply@platform.test',
        publicUrl: 'https://app.example.com',
      },
    });
    await notifications.init();
    membership = await startMembership({
      client: eventStore.client,
      connectionString: eventStore.store.connectionString,
    });
    identity = await startIdentity(eventStore.store.connectionString);
  });
  afterAll(async () => {
    await identity.close();
    await membership.close();
    await notifications.close();
    await smtp.stop();
    if (previous === undefined) delete process.env.INVITATION_TOKEN_SECRET;
    else process.env.INVITATION_TOKEN_SECRET = previous;
  });

  const linkIn = (raw: string) =>
    /https:\/\/app\.example\.com\/invitations#token=([A-Za-z0-9._%-]+)/.exec(
      raw.replace(/=\r?\n/g, '').replace(/=3D/g, '='),
    )?.[1];

  it('R5 R6: a resend mails a new link, the old one stops working, the new one makes the invitee a member', async () => {
    const email = `invitee-${randomUUID().slice(0, 8)}@example.com`;
    const orgId = await membership.organization('owner');
    const invitationId = randomUUID();
    await membership.expectOk(
      membership.send(orgId, 'owner', {
        type: 'InviteMember',
        invitationId,
        email,
        role: 'admin',
        send: false,
      }),
    );
    await membership.expectOk(membership.send(orgId, 'owner', { type: 'SendInvitation', invitationId }));
    const first = await waitFor(() => smtp.received.find((m) => m.to.includes(email)), { timeoutMs: 15_000 });
    expect(first.raw).toContain('Subject: Invitation to join Acme');
    await membership.expectOk(membership.send(orgId, 'owner', { type: 'SendInvitation', invitationId }));
    const second = await waitFor(() => smtp.received.filter((m) => m.to.includes(email))[1], {
      timeoutMs: 15_000,
    });
    const oldToken = decodeURIComponent(linkIn(first.raw)!);
    const newToken = decodeURIComponent(linkIn(second.raw)!);
    expect(newToken).not.toBe(oldToken);

    const register = (token: string) =>
      identity.send({
        type: 'RegisterFromInvitation',
        token,
        name: 'Ivy',
        password: 'correct horse battery',
        termsAccepted: true,
      });
    expect(await register(oldToken)).toMatchObject({
      ok: false,
      error: { code: 'invitation-link-superseded' },
    });
    const registered = await register(newToken);
    expect(registered).toMatchObject({ ok: true, result: { orgId, invitationId } });
    const { userId } = (registered as { result: { userId: string } }).result;
    const org = await waitFor(async () => {
      const state = await membership.state(orgId);
      return state.members.has(userId) && state;
    });
    expect(org.members.get(userId)?.role).toBe('admin');
    expect(org.invitations.get(invitationId)?.status).toBe('accepted');
  });
});
