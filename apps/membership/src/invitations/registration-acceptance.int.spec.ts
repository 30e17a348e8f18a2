import { randomUUID } from 'node:crypto';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import {
  startMembership,
  useInvitationTokenSecret,
  type MembershipHarness,
} from '../commands/membership-harness.testing';
import { identityEventMessage } from '../reactions/identity-event.testing';

const SECRET = 'membership-int-invitation-secret-32-bytes!!';

describe('registering from an invitation link: accepted as of the registration (R5)', () => {
  const eventStore = useTestEventStore();
  let membership: MembershipHarness;
  useInvitationTokenSecret(SECRET);

  beforeAll(async () => {
    membership = await startMembership(
      { client: eventStore.client, connectionString: eventStore.store.connectionString },
      // Links live 1 s; the sweep that records expiry does not run during the test.
      { invitationLifetimeMs: 1_000, invitationExpirySweepMs: 600_000 },
    );
  });
  afterAll(() => membership.close());

  const registered = (
    userId: string,
    email: string,
    invitation: { orgId: string; invitationId: string },
    at: string,
  ) =>
    identityEventMessage('identity.UserRegistered.v1', userId, {
      name: 'Late',
      email,
      invitation: { orgId: invitation.orgId, invitationId: invitation.invitationId, sendSequence: 1 },
      at,
    });

  const invited = async (email: string) => {
    const orgId = await membership.organization('owner');
    const invitationId = randomUUID();
    await membership.expectOk(
      membership.send(orgId, 'owner', {
        type: 'InviteMember',
        invitationId,
        email,
        role: 'user',
        send: true,
      }),
    );
    const { expiresAt } = (await membership.state(orgId)).invitations.get(invitationId)!;
    return { orgId, invitationId, expiresAt };
  };
  const pastExpiry = (expiresAt: string) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(expiresAt) - Date.now()) + 100));
  const publish = (...messages: ReturnType<typeof registered>[]) =>
    membership.app.get<MessageBus>(MESSAGE_BUS).publish(messages);

  it('a registration made before the link expired joins, though membership reacts to it after', async () => {
    const invitation = await invited('late@example.com');
    const registeredAt = new Date(Date.parse(invitation.expiresAt) - 300).toISOString();
    await pastExpiry(invitation.expiresAt);
    const userId = randomUUID();
    await publish(registered(userId, 'late@example.com', invitation, registeredAt));
    await waitFor(async () => (await membership.state(invitation.orgId)).members.has(userId), {
      timeoutMs: 20_000,
      what: 'the late reaction accepting the registration',
    });
    expect((await membership.state(invitation.orgId)).invitations.get(invitation.invitationId)).toMatchObject(
      {
        status: 'accepted',
        acceptedBy: userId,
      },
    );
  });

  it('a registration made as the link expired is refused: the invitee does not join', async () => {
    const expiredOne = await invited('later@example.com');
    await pastExpiry(expiredOne.expiresAt);
    const inTime = await invited('later@example.com');
    // One account's two registrations (one key, so handled in order): once the second joined, the first was refused.
    const userId = randomUUID();
    await publish(
      registered(userId, 'later@example.com', expiredOne, expiredOne.expiresAt),
      registered(userId, 'later@example.com', inTime, new Date().toISOString()),
    );
    await waitFor(async () => (await membership.state(inTime.orgId)).members.has(userId), {
      timeoutMs: 20_000,
      what: 'the registration in time accepted',
    });
    const state = await membership.state(expiredOne.orgId);
    expect(state.members.has(userId)).toBe(false);
    expect(state.invitations.get(expiredOne.invitationId)?.status).toBe('pending');
  });
});
