import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import { InvitationTokens } from '@app/invitation-tokens';
import { subscribeToEvents } from '@app/messaging';
import { waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import {
  startMembership,
  useInvitationTokenSecret,
  type MembershipHarness,
} from '../commands/membership-harness.testing';
import { MembershipIndexes } from '../indexes/membership-indexes';

const SECRET = 'membership-int-invitation-secret-32-bytes!!';

describe('invitations over the bus: links, expiry, existing accounts (R5)', () => {
  const eventStore = useTestEventStore();
  const tokens = new InvitationTokens(SECRET);
  let membership: MembershipHarness;
  useInvitationTokenSecret(SECRET);

  beforeAll(async () => {
    membership = await startMembership(
      { client: eventStore.client, connectionString: eventStore.store.connectionString },
      // Short enough for the sweep test to wait out, long enough that the other tests' invitations stay pending
      // through their steps on a slow Kafka run.
      { invitationLifetimeMs: 4_000, invitationExpirySweepMs: 100 },
    );
  });
  afterAll(() => membership.close());

  const invite = async (orgId: string, email: string, send = true) => {
    const invitationId = randomUUID();
    const reply = await membership.send(orgId, 'owner', {
      type: 'InviteMember',
      invitationId,
      email,
      role: 'user',
      send,
    });
    return { reply, invitationId };
  };
  const describe_ = (token: string) =>
    membership.query<{ ok: boolean; invitation?: Record<string, unknown>; error?: { code: string } }>({
      query: 'DescribeInvitation',
      token,
    });

  it('R5: an accepted link is described again only to identity, for the account that accepted it (a retry)', async () => {
    const orgId = await membership.organization('owner');
    const { invitationId } = await invite(orgId, 'rita@example.com');
    const link = tokens.issue({ invitationId, sendSequence: 1 });
    await membership.expectOk(
      membership.send(
        orgId,
        'rita',
        {
          type: 'AcceptInvitation',
          invitationId,
          sendSequence: 1,
          userId: 'rita',
          email: 'rita@example.com',
        },
        {},
        'identity',
      ),
    );
    const asked = (acceptedBy: string, sender: 'identity' | 'gateway') =>
      membership.query<{ ok: boolean; invitation?: Record<string, unknown>; error?: { code: string } }>(
        { query: 'DescribeInvitation', token: link, acceptedBy },
        sender,
      );
    expect(await asked('rita', 'identity')).toMatchObject({
      ok: true,
      invitation: { invitationId, orgId, status: 'accepted', sendSequence: 1 },
    });
    expect(await asked('sam', 'identity')).toMatchObject({
      ok: false,
      error: { code: 'invitation-already-accepted' },
    });
    // The gateway is not answered at all (its preview reads its read models), let alone told of the acceptance.
    expect(await asked('rita', 'gateway')).toMatchObject({
      ok: false,
      error: { code: 'request-not-authenticated' },
    });
    expect(await describe_(link)).toMatchObject({
      ok: false,
      error: { code: 'invitation-already-accepted' },
    });
  });

  it('R5: the link of an invitation whose giver was then removed describes nothing: it is as good as revoked', async () => {
    const orgId = await membership.organization('owner');
    await membership.expectOk(
      membership.system(orgId, { type: 'AdmitMember', userId: 'adam', role: 'admin', via: 'invitation' }),
    );
    const invitationId = randomUUID();
    await membership.expectOk(
      membership.send(orgId, 'adam', {
        type: 'InviteMember',
        invitationId,
        email: 'x@example.com',
        role: 'admin',
        send: true,
      }),
    );
    const link = tokens.issue({ invitationId, sendSequence: 1 });
    expect(await describe_(link)).toMatchObject({ ok: true, invitation: { invitationId, role: 'admin' } });
    await membership.expectOk(membership.send(orgId, 'owner', { type: 'RemoveMember', userId: 'adam' }));
    expect(await describe_(link)).toMatchObject({ ok: false, error: { code: 'invitation-revoked' } });
  });

  it('R5: a link describes its pending invitation; a forged, resent-over or revoked one is refused by code', async () => {
    const orgId = await membership.organization('owner');
    const { invitationId } = await invite(orgId, 'Pat@Example.com');
    const first = tokens.issue({ invitationId, sendSequence: 1 });
    expect(await describe_(first)).toMatchObject({
      ok: true,
      invitation: {
        invitationId,
        orgId,
        orgName: 'Acme',
        email: 'pat@example.com',
        role: 'user',
        sendSequence: 1,
      },
    });
    expect(await describe_(`${first}x`)).toMatchObject({
      ok: false,
      error: { code: 'invitation-token-invalid' },
    });
    expect(
      await describe_(
        new InvitationTokens('another-secret-of-at-least-32-bytes!!').issue({
          invitationId,
          sendSequence: 1,
        }),
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'invitation-token-invalid' },
    });
    expect(await describe_(tokens.issue({ invitationId: randomUUID(), sendSequence: 1 }))).toMatchObject({
      ok: false,
      error: { code: 'invitation-not-found' },
    });
    await membership.expectOk(membership.send(orgId, 'owner', { type: 'SendInvitation', invitationId }));
    expect(await describe_(first)).toMatchObject({
      ok: false,
      error: { code: 'invitation-link-superseded' },
    });
    await membership.expectOk(membership.send(orgId, 'owner', { type: 'RevokeInvitation', invitationId }));
    expect(await describe_(tokens.issue({ invitationId, sendSequence: 2 }))).toMatchObject({
      ok: false,
      error: { code: 'invitation-revoked' },
    });
  });

  it('R5, R10: the link of an invitation whose organization was deleted says it was revoked (or accepted) with it', async () => {
    const orgId = await membership.organization('owner');
    const pending = await invite(orgId, 'gone@example.com');
    const accepted = await invite(orgId, 'joined@example.com');
    await membership.expectOk(
      membership.send(
        orgId,
        'joined',
        {
          type: 'AcceptInvitation',
          invitationId: accepted.invitationId,
          sendSequence: 1,
          userId: 'joined',
          email: 'joined@example.com',
        },
        {},
        'identity',
      ),
    );
    await membership.expectOk(membership.send(orgId, 'owner', { type: 'DeleteOrganization' }));

    expect(
      await describe_(tokens.issue({ invitationId: pending.invitationId, sendSequence: 1 })),
    ).toMatchObject({
      ok: false,
      error: { code: 'invitation-revoked' },
    });
    expect(
      await describe_(tokens.issue({ invitationId: accepted.invitationId, sendSequence: 1 })),
    ).toMatchObject({
      ok: false,
      error: { code: 'invitation-already-accepted' },
    });
  });

  it('R5: pending invitations past their lifetime are expired by the sweep and InvitationExpired is published', async () => {
    const published: EventEnvelope[] = [];
    const sub = await subscribeToEvents(membership.bus, {
      groupId: `expiry-${randomUUID()}`,
      topics: [TOPICS.membershipOrganizations],
      fromBeginning: true,
      handler: async (event) => void published.push(event),
    });
    try {
      const orgId = await membership.organization('owner');
      const { invitationId } = await invite(orgId, 'late@example.com');
      await waitFor(
        async () => (await membership.state(orgId)).invitations.get(invitationId)?.status === 'expired',
        {
          timeoutMs: 15_000,
        },
      );
      const expired = await waitFor(() =>
        published.find((e) => e.type === 'membership.InvitationExpired.v1' && e.subject === orgId),
      );
      expect(expired).toMatchObject({ actor: 'system', data: { invitationId } });
      expect(await describe_(tokens.issue({ invitationId, sendSequence: 1 }))).toMatchObject({
        ok: false,
        error: { code: 'invitation-expired' },
      });
    } finally {
      await sub.close();
    }
  });

  it('R5: inviting the verified address of an existing member is a conflict; an address a member only claims is not', async () => {
    const userId = randomUUID();
    const at = new Date().toISOString();
    await eventStore.client.appendToStream(`user-${userId}`, [
      jsonEvent({
        type: 'UserRegistered',
        data: { userId, name: 'Mo', email: 'mo@example.com', actorId: userId, at },
      }),
    ]);
    const orgId = await membership.organization('owner', [userId]);
    const users = membership.app.get(MembershipIndexes).users;
    await waitFor(() => users.userWithEmail('mo@example.com') === userId);
    // Unverified, the address may be someone else's: they can still be invited (acceptance checks who they are).
    const unsent = await invite(orgId, 'mo@example.com', false);
    expect(unsent.reply).toMatchObject({ ok: true });
    const sendIt = () =>
      membership.send(orgId, 'owner', { type: 'SendInvitation', invitationId: unsent.invitationId });
    await eventStore.client.appendToStream(`user-${userId}`, [
      jsonEvent({ type: 'EmailVerified', data: { userId, email: 'mo@example.com', actorId: userId, at } }),
    ]);
    await waitFor(() => users.verifiedEmailOf(userId) === 'mo@example.com');
    expect((await invite(orgId, 'MO@example.com', false)).reply).toMatchObject({
      ok: false,
      error: { code: 'already-member' },
    });
    // Nor is the invitation made before sent now: its link could only be refused (already a member).
    expect(await sendIt()).toMatchObject({
      ok: false,
      error: { code: 'already-member', details: { invitationId: unsent.invitationId } },
    });
    expect((await membership.state(orgId)).invitations.get(unsent.invitationId)).toMatchObject({
      status: 'pending',
      sendSequence: 0,
    });
    const { reply } = await invite(orgId, 'someone.else@example.com', false);
    expect(reply).toMatchObject({ ok: true });
  });
});
