import { DomainError, fold } from '@app/domain';
import { organizationDecider, type OrganizationCommand } from './organization.decider';
import { type OrganizationEvent } from './organization.events';
import { type ActiveOrganization } from './organization.state';

const decider = organizationDecider();
const at = '2026-11-22T10:00:00.000Z';
const later = '2026-11-25T10:00:00.000Z';
const expiresAt = '2026-11-29T10:00:00.000Z';
const afterExpiry = '2026-11-30T10:00:00.000Z';
const stamp = (actorId: string, when = at) => ({ orgId: 'org-1', actorId, at: when });

function run(history: OrganizationEvent[], command: OrganizationCommand) {
  const state = fold(decider, history);
  try {
    return { events: [...decider.decide(command, state)], code: undefined as string | undefined };
  } catch (error) {
    if (error instanceof DomainError) return { events: [] as OrganizationEvent[], code: error.code };
    throw error;
  }
}

const base: OrganizationEvent[] = [
  {
    type: 'OrganizationCreated',
    data: { ...stamp('owner'), name: 'Acme', ownerId: 'owner', plan: 'standard' },
  },
  { type: 'MemberJoined', data: { ...stamp('system'), userId: 'bob', role: 'user', via: 'invitation' } },
  { type: 'TeamCreated', data: { ...stamp('owner'), teamId: 't1', name: 'Sales' } },
];
const invite = (
  extra: Partial<Extract<OrganizationCommand, { type: 'InviteMember' }>> = {},
): OrganizationCommand => ({
  type: 'InviteMember',
  invitationId: 'inv-1',
  email: 'Ada@Example.com ',
  role: 'user',
  teamIds: ['t1'],
  permissions: [],
  send: true,
  expiresAt,
  actorId: 'owner',
  at,
  ...extra,
});
const accept = (
  extra: Partial<Extract<OrganizationCommand, { type: 'AcceptInvitation' }>> = {},
): OrganizationCommand => ({
  type: 'AcceptInvitation',
  invitationId: 'inv-1',
  sendSequence: 1,
  userId: 'ada',
  email: 'ada@example.com',
  actorId: 'ada',
  at: later,
  ...extra,
});
const invited = [...base, ...run(base, invite()).events];

describe('invitations', () => {
  it('R5: the Owner invites by e-mail with a role and teams; the address is normalised; the link is sent', () => {
    const { events } = run(base, invite());
    expect(events.map((e) => e.type)).toEqual(['InvitationCreated', 'InvitationSent']);
    expect(events[0]!.data).toMatchObject({
      email: 'ada@example.com',
      role: 'user',
      teamIds: ['t1'],
      expiresAt,
    });
    expect(events[1]!.data).toMatchObject({ sendSequence: 1 });
  });

  it('R5: a User invites only when granted members.invite', () => {
    expect(run(base, invite({ actorId: 'bob' })).code).toBe('insufficient-permission');
    const granted: OrganizationEvent = {
      type: 'PermissionsGranted',
      data: { ...stamp('owner'), userId: 'bob', permissions: ['members.invite'] },
    };
    expect(run([...base, granted], invite({ actorId: 'bob' })).events).toHaveLength(2);
  });

  it('R6: a member can be added without sending, and the invitation sent later', () => {
    const unsent = [...base, ...run(base, invite({ send: false })).events];
    expect(unsent.map((e) => e.type)).not.toContain('InvitationSent');
    expect(run(unsent, accept()).code).toBe('invitation-link-superseded');
    const sent = run(unsent, {
      type: 'SendInvitation',
      invitationId: 'inv-1',
      expiresAt,
      actorId: 'owner',
      at,
    });
    expect(sent.events[0]!.data).toMatchObject({ sendSequence: 1 });
    expect(run([...unsent, ...sent.events], accept()).events.map((e) => e.type)).toContain('MemberJoined');
  });

  it('R5: a resend issues a new link and the old one stops working', () => {
    const resent = [
      ...invited,
      ...run(invited, { type: 'SendInvitation', invitationId: 'inv-1', expiresAt, actorId: 'owner', at })
        .events,
    ];
    expect(run(resent, accept({ sendSequence: 1 })).code).toBe('invitation-link-superseded');
    expect(run(resent, accept({ sendSequence: 2 })).code).toBeUndefined();
  });

  it('R5: accepting joins with the invited role and teams, once, and only by the invited identity', () => {
    const { events } = run(invited, accept());
    expect(events.map((e) => e.type)).toEqual(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
    const state = fold(decider, [...invited, ...events]) as ActiveOrganization;
    expect(state.members.get('ada')?.role).toBe('user');
    expect(state.teams.get('t1')?.members.get('ada')).toBe('member');
    expect(run([...invited, ...events], accept()).events).toEqual([]);
    expect(run([...invited, ...events], accept({ userId: 'eve' })).code).toBe('invitation-already-accepted');
    expect(run(invited, accept({ email: 'eve@example.com', userId: 'eve' })).code).toBe(
      'invitation-identity-mismatch',
    );
  });

  it('R5: revoked and expired invitations cannot be accepted; expiry is recorded once due', () => {
    const revoked = [
      ...invited,
      ...run(invited, { type: 'RevokeInvitation', invitationId: 'inv-1', actorId: 'owner', at }).events,
    ];
    expect(run(revoked, accept()).code).toBe('invitation-revoked');
    expect(run(invited, accept({ at: afterExpiry })).code).toBe('invitation-expired');
    expect(
      run(invited, { type: 'ExpireInvitation', invitationId: 'inv-1', actorId: 'system', at: later }).events,
    ).toEqual([]);
    expect(
      run(invited, {
        type: 'ExpireInvitation',
        invitationId: 'inv-1',
        actorId: 'system',
        at: afterExpiry,
      }).events.map((e) => e.type),
    ).toEqual(['InvitationExpired']);
  });

  it('R5: role, teams and permissions of a pending invitation can be changed before acceptance', () => {
    const changed = run(invited, {
      type: 'ChangeInvitation',
      invitationId: 'inv-1',
      role: 'admin',
      teamIds: [],
      permissions: [],
      actorId: 'owner',
      at,
    });
    const { events } = run([...invited, ...changed.events], accept());
    expect(events.map((e) => e.type)).toEqual(['InvitationAccepted', 'MemberJoined']);
    expect(events[1]!.data).toMatchObject({ role: 'admin' });
  });

  it('R5: inviting an existing member or an already invited person is a conflict; repeating the same invitation is not', () => {
    expect(run(base, invite({ inviteeUserId: 'bob' })).code).toBe('already-member');
    expect(run(invited, invite({ invitationId: 'inv-2' })).code).toBe('already-invited');
    expect(run(invited, invite()).events).toEqual([]);
  });

  it('R5/R20: an invitation cannot promise permissions the role and list do not support', () => {
    expect(run(base, invite({ permissions: ['teams.create'] })).code).toBe('permission-prerequisite-missing');
    expect(run(base, invite({ teamIds: ['nope'] })).code).toBe('team-not-found');
  });

  it('R10: deleting the organization revokes its pending invitations', () => {
    const { events } = run(invited, { type: 'DeleteOrganization', actorId: 'owner', at });
    expect(events.map((e) => e.type)).toEqual(['TeamDeleted', 'InvitationRevoked', 'OrganizationDeleted']);
  });
});
