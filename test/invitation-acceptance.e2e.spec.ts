import { randomUUID } from 'node:crypto';
import { type INestApplication } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { AggregateStore } from '@app/event-store';
import { InvitationTokens } from '@app/invitation-tokens';
import { MESSAGE_BUS, RequestReplyClient, RequestSigner, type MessageBus } from '@app/messaging';
import { loadRequestSigningKeys, readInfrastructureConfig } from '@app/platform';
import { waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { registeredUserId } from '../apps/identity/src/accounts/registration';
import { type IdentityHarness, startIdentity } from '../apps/identity/src/commands/identity-harness.testing';
import { type CommandReply } from '../apps/membership/src/commands/command-reply';
import { organizationStream } from '../apps/membership/src/commands/organization-command-handler';
import { createMembershipApp } from '../apps/membership/src/membership.app';
import { organizationDecider } from '../apps/membership/src/organizations/organization.decider';
import { type ActiveOrganization } from '../apps/membership/src/organizations/organization.state';

const SECRET = 'e2e-invitation-secret-of-at-least-32-bytes!';

/** R5 across identity and membership: accepting an invitation as a new or an existing user, under races. */
describe('invitation acceptance across identity and membership', () => {
  const eventStore = useTestEventStore();
  const tokens = new InvitationTokens(SECRET);
  let membership: INestApplication;
  let identity: IdentityHarness;
  let client: RequestReplyClient;
  let gateway: RequestSigner;
  const previousSecret = process.env.INVITATION_TOKEN_SECRET;

  beforeAll(async () => {
    process.env.INVITATION_TOKEN_SECRET = SECRET;
    const infra = {
      ...readInfrastructureConfig(),
      eventStoreConnectionString: eventStore.store.connectionString,
    };
    gateway = new RequestSigner(
      loadRequestSigningKeys({ dataDir: infra.dataDir, sender: 'gateway' }),
      'gateway',
    );
    membership = await createMembershipApp(infra, { quiet: true });
    await membership.init();
    identity = await startIdentity(eventStore.store.connectionString);
    client = await RequestReplyClient.start(membership.get<MessageBus>(MESSAGE_BUS), 'e2e-test');
  });
  afterAll(async () => {
    await client.close();
    await identity.close();
    await membership.close();
    if (previousSecret === undefined) delete process.env.INVITATION_TOKEN_SECRET;
    else process.env.INVITATION_TOKEN_SECRET = previousSecret;
  });

  const orgCommand = (orgId: string, actorId: string, command: Record<string, unknown>) =>
    client.request<CommandReply>(
      TOPICS.membershipCommands,
      orgId,
      gateway.sign({ commandId: randomUUID(), orgId, actorId, command }),
      { timeoutMs: 20_000 },
    );
  const stateOf = async (orgId: string) =>
    (
      await new AggregateStore(eventStore.client).load(organizationStream(orgId), {
        decider: organizationDecider(),
      })
    ).state as ActiveOrganization;

  /** An Admin invitation to `to` (an address, or `{ phone }` with a role), sent once, in a new organization. */
  async function invite(
    to: string | { phone: string; role: 'admin' | 'user' },
  ): Promise<{ orgId: string; token: string; invitationId: string }> {
    const orgId = randomUUID();
    const invitationId = randomUUID();
    expect(await orgCommand(orgId, 'owner', { type: 'CreateOrganization', name: 'Acme' })).toMatchObject({
      ok: true,
    });
    expect(
      await orgCommand(orgId, 'owner', {
        type: 'InviteMember',
        invitationId,
        ...(typeof to === 'string' ? { email: to, role: 'admin' } : to),
        send: true,
      }),
    ).toMatchObject({ ok: true });
    return { orgId, invitationId, token: tokens.issue({ invitationId, sendSequence: 1 }) };
  }

  it('R5: 50 racing registrations from one invitation make one verified account and one membership', async () => {
    const email = `new-${randomUUID().slice(0, 8)}@example.com`;
    const { orgId, token } = await invite(email);
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        identity.send({
          type: 'RegisterFromInvitation',
          token,
          name: `Racer ${i}`,
          password: 'correct horse battery',
          termsAccepted: true,
        }),
      ),
    );
    const winners = replies.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    // Losers either raced the winner to the address or came after the acceptance.
    for (const loser of replies.filter((r) => !r.ok))
      expect(['account-exists', 'invitation-already-accepted']).toContain(
        (loser as { error: { code: string } }).error.code,
      );
    const { userId } = (winners[0] as { result: { userId: string } }).result;
    const org = await waitFor(async () => {
      const state = await stateOf(orgId);
      return state.members.has(userId) && state;
    });
    expect(org.members.get(userId)?.role).toBe('admin');
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({
      email,
      emailVerified: true,
    });
    // A used link cannot be used again, not even to register someone else.
    expect(
      await identity.send({
        type: 'RegisterFromInvitation',
        token,
        name: 'Late',
        password: 'correct horse battery',
        termsAccepted: true,
      }),
    ).toMatchObject({ ok: false });
  });

  it("R5: 20 new users racing on one phone link, each typing their own address, make one account, one membership, and the number is the member's alone", async () => {
    const phone = '+14155550123';
    // Someone already claims the number (unverified): the link proves it the invitee's, so it moves to them.
    const claimer = await identity.registerVerified(`claimer-${randomUUID().slice(0, 8)}@example.com`);
    expect(await identity.send({ type: 'UpdateProfile', phone }, claimer)).toMatchObject({ ok: true });
    const { orgId, token } = await invite({ phone, role: 'user' });
    const racers = Array.from({ length: 20 }, (_, i) => ({
      commandId: randomUUID(),
      email: `racer-${i}-${randomUUID().slice(0, 8)}@example.com`,
    }));
    const replies = await Promise.all(
      racers.map(({ commandId, email }, i) =>
        identity.send(
          {
            type: 'RegisterFromInvitation',
            token,
            name: `Racer ${i}`,
            email,
            password: 'correct horse battery',
            termsAccepted: true,
          },
          undefined,
          commandId,
        ),
      ),
    );
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    for (const loser of replies.filter((r) => !r.ok))
      expect(loser).toMatchObject({ error: { code: 'invitation-already-accepted' } });
    const winner = registeredUserId(racers[replies.findIndex((r) => r.ok)]!.commandId);
    await waitFor(async () => (await stateOf(orgId)).members.has(winner));
    expect((await stateOf(orgId)).members.size).toBe(2);
    // The refused made nothing: no account, and their addresses are free to register.
    for (const [i, racer] of racers.entries()) {
      if (replies[i]!.ok) continue;
      expect(await identity.send({ type: 'GetProfile' }, registeredUserId(racer.commandId))).toMatchObject({
        ok: false,
      });
    }
    expect(await identity.result({ type: 'GetProfile' }, winner)).toMatchObject({ phone });
    expect(await identity.result({ type: 'GetProfile' }, claimer)).not.toHaveProperty('phone');
    // An existing user holding the link is told it is spent too, and nothing more is accepted.
    const late = await identity.registerVerified(`late-${randomUUID().slice(0, 8)}@example.com`);
    expect(await identity.send({ type: 'AcceptInvitation', token }, late)).toMatchObject({
      ok: false,
      error: { code: 'invitation-already-accepted' },
    });
    expect((await stateOf(orgId)).members.has(late)).toBe(false);
  });

  it('R5: a registration from a link refused (its address has an account), even when redelivered, leaves the link to the next one', async () => {
    const { orgId, token } = await invite({ phone: '+14155550177', role: 'user' });
    const taken = `taken-${randomUUID().slice(0, 8)}@example.com`;
    await identity.registerVerified(taken);
    const commandId = randomUUID();
    const register = (email: string, id = randomUUID()) =>
      identity.send(
        {
          type: 'RegisterFromInvitation',
          token,
          name: 'Phoned',
          email,
          password: 'correct horse battery',
          termsAccepted: true,
        },
        undefined,
        id,
      );
    for (let delivery = 0; delivery < 2; delivery++)
      expect(await register(taken, commandId)).toMatchObject({
        ok: false,
        error: { code: 'account-exists' },
      });
    const next = await register(`next-${randomUUID().slice(0, 8)}@example.com`);
    expect(next).toMatchObject({ ok: true });
    const { userId } = (next as { result: { userId: string } }).result;
    await waitFor(async () => (await stateOf(orgId)).members.has(userId));
  });

  it('R5, R10: a link to an organization deleted since is refused as revoked, by registration and by an existing user', async () => {
    const email = `deleted-org-${randomUUID().slice(0, 8)}@example.com`;
    const { orgId, token } = await invite(email);
    expect(await orgCommand(orgId, 'owner', { type: 'DeleteOrganization' })).toMatchObject({ ok: true });
    expect(
      await identity.send({
        type: 'RegisterFromInvitation',
        token,
        name: 'Late',
        password: 'correct horse battery',
        termsAccepted: true,
      }),
    ).toMatchObject({ ok: false, error: { code: 'invitation-revoked' } });
    const existing = await identity.registerVerified(`other-${randomUUID().slice(0, 8)}@example.com`);
    expect(await identity.send({ type: 'AcceptInvitation', token }, existing)).toMatchObject({
      ok: false,
      error: { code: 'invitation-revoked' },
    });
  });

  it('R5: terms must be accepted, and nothing is written otherwise', async () => {
    const email = `terms-${randomUUID().slice(0, 8)}@example.com`;
    const { orgId, token } = await invite(email);
    expect(
      await identity.send({
        type: 'RegisterFromInvitation',
        token,
        name: 'No',
        password: 'correct horse battery',
        termsAccepted: false,
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'terms-not-accepted', details: { field: 'termsAccepted' } },
    });
    expect((await stateOf(orgId)).members.size).toBe(1);
  });

  it('R5: registering from a link sent to an address with another address is refused, naming email; the invited one, however written, is taken', async () => {
    const email = `typed-${randomUUID().slice(0, 8)}@example.com`;
    const { orgId, token } = await invite(email);
    const register = (typed: string) =>
      identity.send({
        type: 'RegisterFromInvitation',
        token,
        name: 'Typed',
        password: 'correct horse battery',
        termsAccepted: true,
        email: typed,
      });
    for (const other of ['mallory@example.com', 'not an address'])
      expect(await register(other)).toMatchObject({
        ok: false,
        error: { code: 'email-not-invited', details: { field: 'email' } },
      });
    expect((await stateOf(orgId)).members.size).toBe(1);
    const registered = await register(` ${email.toUpperCase()} `);
    expect(registered).toMatchObject({ ok: true });
    const { userId } = (registered as { result: { userId: string } }).result;
    await waitFor(async () => (await stateOf(orgId)).members.has(userId));
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({
      email,
      emailVerified: true,
    });
  });

  it('R5: registering from a link sent to a number with another phone is refused, naming phone; the invited one, however written, is taken', async () => {
    const { orgId, token } = await invite({ phone: '+14155552671', role: 'user' });
    const email = `phoned-${randomUUID().slice(0, 8)}@example.com`;
    const register = (phone: string) =>
      identity.send({
        type: 'RegisterFromInvitation',
        token,
        name: 'Phoned',
        password: 'correct horse battery',
        termsAccepted: true,
        email,
        phone,
      });
    for (const other of ['+14155552672', '+44 20 7946 0958'])
      expect(await register(other)).toMatchObject({
        ok: false,
        error: { code: 'phone-not-invited', details: { field: 'phone' } },
      });
    expect((await stateOf(orgId)).members.size).toBe(1);
    const registered = await register('+1 (415) 555-2671');
    expect(registered).toMatchObject({ ok: true });
    const { userId } = (registered as { result: { userId: string } }).result;
    await waitFor(async () => (await stateOf(orgId)).members.has(userId));
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ phone: '+14155552671' });
  });

  it('R5: an existing user accepts once, however many acceptances race; another user cannot use their link', async () => {
    const email = `existing-${randomUUID().slice(0, 8)}@example.com`;
    const userId = await identity.registerVerified(email);
    const stranger = await identity.registerVerified(`stranger-${randomUUID().slice(0, 8)}@example.com`);
    const { orgId, token } = await invite(email);
    expect(await identity.send({ type: 'AcceptInvitation', token }, stranger)).toMatchObject({ ok: false });
    const replies = await Promise.all(
      Array.from({ length: 50 }, () => identity.send({ type: 'AcceptInvitation', token }, userId)),
    );
    expect(replies.some((r) => r.ok)).toBe(true);
    const accepted: string[] = [];
    for await (const resolved of eventStore.client.readStream(organizationStream(orgId))) {
      if (resolved.event?.type === 'InvitationAccepted') accepted.push(resolved.event.id);
    }
    expect(accepted).toHaveLength(1);
    const org = await stateOf(orgId);
    expect(org.members.has(userId)).toBe(true);
    expect(org.members.has(stranger)).toBe(false);
  });

  it('R5: someone who asks to move their account to the invited address cannot accept with it until the address is proven', async () => {
    const invited = `invited-${randomUUID().slice(0, 8)}@example.com`;
    const taker = await identity.registerVerified(`taker-${randomUUID().slice(0, 8)}@example.com`);
    const { orgId, token } = await invite(invited);
    expect(
      await identity.send({ type: 'ChangeEmail', email: invited, password: 'correct horse battery' }, taker),
    ).toMatchObject({ ok: true, result: { pendingEmail: invited } });
    expect(await identity.send({ type: 'AcceptInvitation', token }, taker)).toMatchObject({
      ok: false,
      error: { code: 'invitation-identity-mismatch' },
    });
    expect((await stateOf(orgId)).members.has(taker)).toBe(false);
    // Proven (the link mailed to the address), the same account accepts.
    await identity.result({ type: 'VerifyEmail', token: await identity.linkToken('verify-email', invited) });
    expect(await identity.send({ type: 'AcceptInvitation', token }, taker)).toMatchObject({ ok: true });
    expect((await stateOf(orgId)).members.has(taker)).toBe(true);
  });
});
