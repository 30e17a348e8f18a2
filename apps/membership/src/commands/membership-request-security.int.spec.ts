import { randomUUID } from 'node:crypto';
import { RequestSigner, RequestSigningKeys } from '@app/messaging';
import { loadRequestSigningKeys, readInfrastructureConfig } from '@app/platform';
import { useTestEventStore } from '@app/testing/test-event-store';
import { type CommandReply } from './command-reply';
import { startMembership, type MembershipHarness } from './membership-harness.testing';
import { organizationStream } from './organization-command-handler';

/** Item 1 of the review: nobody joins or acts by naming an actor in a message, and internal commands stay internal. */
describe('membership commands: who may send what (never trust an actor named in a message)', () => {
  const eventStore = useTestEventStore();
  let membership: MembershipHarness;
  let orgId: string;

  beforeAll(async () => {
    membership = await startMembership({
      client: eventStore.client,
      connectionString: eventStore.store.connectionString,
    });
    orgId = await membership.organization('owner', ['ada']);
  });
  afterAll(() => membership.close());

  async function eventsIn(id: string): Promise<number> {
    let n = 0;
    for await (const _ of eventStore.client.readStream(organizationStream(id))) n++;
    return n;
  }

  async function refusedAndNothingAppended(payload: unknown, code: string): Promise<void> {
    const before = await eventsIn(orgId);
    const reply = await membership.raw<CommandReply>(orgId, payload);
    expect(reply).toMatchObject({ ok: false, error: { code } });
    expect(await eventsIn(orgId)).toBe(before);
  }

  const request = (actorId: string, command: Record<string, unknown>) => ({
    commandId: randomUUID(),
    orgId,
    actorId,
    command,
  });
  const admitSelf = { type: 'AdmitMember', userId: 'eve', role: 'admin', via: 'invitation' };

  it('an unsigned request is refused, whatever actor it names', async () => {
    await refusedAndNothingAppended(request('eve', admitSelf), 'request-not-authenticated');
    await refusedAndNothingAppended(
      request('owner', { type: 'RemoveMember', userId: 'ada' }),
      'request-not-authenticated',
    );
  });

  it('a request signed with another key, or changed after signing, is refused', async () => {
    const forger = new RequestSigner(new RequestSigningKeys('not-our-secret'), 'gateway');
    await refusedAndNothingAppended(
      forger.sign(request('owner', { type: 'RemoveMember', userId: 'ada' })),
      'request-not-authenticated',
    );
    const genuine = membership.signed(request('ada', { type: 'LeaveOrganization' }));
    await refusedAndNothingAppended({ ...genuine, actorId: 'owner' }, 'request-not-authenticated');
    await refusedAndNothingAppended(
      { ...genuine, command: { type: 'DeleteOrganization' } },
      'request-not-authenticated',
    );
  });

  it('internal commands do not exist on the bus, even signed by our own services', async () => {
    for (const command of [
      admitSelf,
      { type: 'RemoveDeletedUser', userId: 'ada', ownedOrganizationsConfirmed: true },
      { type: 'ExpireInvitation', invitationId: 'x' },
      { type: 'RecheckInvitations' },
      {
        type: 'AutoJoinMember',
        userId: 'eve',
        email: 'eve@example.com',
        verifiedAt: '2026-01-01T00:00:00.000Z',
      },
      { type: 'AttachToParent', parentOrgId: 'p' },
      { type: 'DetachFromParent', parentOrgId: 'p' },
    ]) {
      for (const sender of ['gateway', 'identity'] as const)
        await refusedAndNothingAppended(
          membership.signed(request('eve', command), sender),
          'validation-failed',
        );
    }
  });

  it('what only the handler or a reaction adds to a command is no field of it on the bus, even from our own services', async () => {
    for (const [command, sender] of [
      [
        {
          type: 'AcceptInvitation',
          invitationId: 'x',
          sendSequence: 1,
          userId: 'eve',
          email: 'eve@example.com',
          registeredAt: '2026-01-01T00:00:00.000Z',
        },
        'identity',
      ],
      [{ type: 'SendInvitation', invitationId: 'x', inviteeUserId: 'eve' }, 'gateway'],
      [{ type: 'SendInvitation', invitationId: 'x', expiresAt: '2099-01-01T00:00:00.000Z' }, 'gateway'],
    ] as const) {
      const before = await eventsIn(orgId);
      const reply = await membership.raw<CommandReply>(
        orgId,
        membership.signed(request('eve', command), sender),
      );
      const field = Object.keys(command).at(-1);
      expect(reply).toMatchObject({
        ok: false,
        error: { code: 'unknown-field', details: { field: `command.${field}` } },
      });
      expect(await eventsIn(orgId)).toBe(before);
    }
  });

  it('the system actor is reserved for in-process work', async () => {
    await refusedAndNothingAppended(
      membership.signed(request('system', { type: 'RemoveMember', userId: 'ada' })),
      'system-only',
    );
    await refusedAndNothingAppended(
      membership.signed(
        request('system', {
          type: 'AcceptInvitation',
          invitationId: 'x',
          sendSequence: 1,
          userId: 'system',
          email: 's@example.com',
        }),
        'identity',
      ),
      'system-only',
    );
  });

  it('each command comes only from the service that may vouch for it', async () => {
    const acceptance = {
      type: 'AcceptInvitation',
      invitationId: 'x',
      sendSequence: 1,
      userId: 'eve',
      email: 'eve@example.com',
    };
    await refusedAndNothingAppended(
      membership.signed(request('eve', acceptance), 'gateway'),
      'sender-not-allowed',
    );
    await refusedAndNothingAppended(
      membership.signed(request('owner', { type: 'RemoveMember', userId: 'ada' }), 'identity'),
      'sender-not-allowed',
    );
    // The gateway's key cannot vouch as identity: each sender signs with its own.
    const gatewayKeys = loadRequestSigningKeys({
      dataDir: readInfrastructureConfig().dataDir,
      sender: 'gateway',
    });
    await refusedAndNothingAppended(
      new RequestSigner(gatewayKeys, 'identity').sign(request('eve', acceptance)),
      'request-not-authenticated',
    );
  });

  it('the invitation link query is answered only to our services', async () => {
    expect(await membership.raw(randomUUID(), { query: 'DescribeInvitation', token: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'request-not-authenticated' },
    });
    expect(await membership.query({ query: 'DescribeInvitation', token: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'invitation-token-invalid' },
    });
    // Identity alone asks, before registering from a link: the gateway's preview reads its own read models.
    expect(await membership.query({ query: 'DescribeInvitation', token: 'x' }, 'gateway')).toMatchObject({
      ok: false,
      error: { code: 'request-not-authenticated' },
    });
  });

  it('a command id reused for a different command is a conflict; the same command again is a duplicate', async () => {
    const commandId = randomUUID();
    const role = membership.signed({
      commandId,
      orgId,
      actorId: 'owner',
      command: { type: 'ChangeMemberRole', userId: 'ada', role: 'admin' },
    });
    expect(await membership.raw(orgId, role)).toMatchObject({ ok: true, events: 1, duplicate: false });
    expect(await membership.raw(orgId, role)).toMatchObject({ ok: true, events: 0, duplicate: true });
    await refusedAndNothingAppended(
      membership.signed({
        commandId,
        orgId,
        actorId: 'owner',
        command: { type: 'RemoveMember', userId: 'ada' },
      }),
      'command-id-reused',
    );
    expect((await membership.state(orgId)).members.get('ada')?.role).toBe('admin');
  });

  it('a repeatOnly request answers a recorded command as its duplicate, at its last event, and decides nothing else', async () => {
    const org = await membership.organization('owner', ['bea', 'cal']);
    const leave = (commandId: string, extra: Record<string, unknown> = {}) =>
      membership.signed({
        commandId,
        orgId: org,
        actorId: 'bea',
        command: { type: 'LeaveOrganization' },
        ...extra,
      });
    // Bea alone in a team: her leaving also takes her out of it and deletes it, so her command records three events.
    await membership.expectOk(
      membership.send(org, 'owner', { type: 'CreateTeam', teamId: 't0', name: 'Zero' }),
    );
    await membership.expectOk(
      membership.send(org, 'owner', { type: 'AddTeamMember', teamId: 't0', userId: 'bea', role: 'member' }),
    );
    const commandId = randomUUID();
    const first = await membership.raw(org, leave(commandId));
    expect(first).toMatchObject({ ok: true, events: 3, duplicate: false });
    // The organization moves on; the retry still answers where its own command left it: at its last event, since a
    // reader waiting for the first would be answered before the team's change reached it.
    await membership.expectOk(
      membership.send(org, 'owner', { type: 'CreateTeam', teamId: 't1', name: 'One' }),
    );
    expect(await membership.raw(org, leave(commandId, { repeatOnly: true }))).toEqual({
      ok: true,
      revision: (first as { revision: string }).revision,
      events: 0,
      duplicate: true,
    });
    const before = await eventsIn(org);
    // Not recorded: refused, though the same request without the flag would be carried out.
    const calLeaves = membership.signed({
      commandId: randomUUID(),
      orgId: org,
      actorId: 'cal',
      command: { type: 'LeaveOrganization' },
      repeatOnly: true,
    });
    expect(await membership.raw(org, calLeaves)).toMatchObject({
      ok: false,
      error: { code: 'command-not-recorded', kind: 'not-found' },
    });
    // Recorded, but asking something else (another actor, or another command): refused alike.
    for (const other of [
      { actorId: 'cal', command: { type: 'LeaveOrganization' } },
      { actorId: 'bea', command: { type: 'CreateTeam', teamId: 't9', name: 'Nine' } },
    ])
      expect(
        await membership.raw(org, membership.signed({ commandId, orgId: org, ...other, repeatOnly: true })),
      ).toMatchObject({ ok: false, error: { code: 'command-not-recorded' } });
    expect(await eventsIn(org)).toBe(before);
    expect((await membership.state(org)).members.has('cal')).toBe(true);
  });

  it('phones are one number however they are typed: invited with spaces, accepted in E.164, never invited twice', async () => {
    const org = await membership.organization('owner');
    const invite = (invitationId: string, phone: string) =>
      membership.send(org, 'owner', { type: 'InviteMember', invitationId, phone, role: 'user', send: true });
    expect(await invite('by-phone', '+44 20 7946 0958')).toMatchObject({ ok: true, events: 2 });
    expect(await invite('again', '+442079460958')).toMatchObject({
      ok: false,
      error: { code: 'already-invited' },
    });
    expect(await invite('bad', '+44 20')).toMatchObject({
      ok: false,
      error: { code: 'invalid-phone', details: { field: 'command.phone' } },
    });
    const accept = (phone: string) =>
      membership.send(
        org,
        'newbie',
        { type: 'AcceptInvitation', invitationId: 'by-phone', sendSequence: 1, userId: 'newbie', phone },
        {},
        'identity',
      );
    expect(await accept('+442079460958')).toMatchObject({ ok: true, events: 2 });
    expect((await membership.state(org)).members.get('newbie')?.role).toBe('user');
  });
});
