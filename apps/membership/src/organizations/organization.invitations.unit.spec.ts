import { type CommandOf, type OrganizationCommand } from './organization.commands';
import { type OrganizationEvent } from './organization.events';
import { fold } from '@app/domain';
import { defaultCatalog, extendCatalog, type PermissionsCatalog } from '@app/permissions';
import { organizationDecider } from './organization.decider';
import { type ActiveOrganization } from './organization.state';
import {
  base as members,
  cmd,
  created,
  given,
  givenWith,
  granted,
  inTeam,
  joined,
  stamp,
  team,
} from './organization.fixtures.testing';

const at = '2026-11-22T10:00:00.000Z';
const later = '2026-11-25T10:00:00.000Z';
const expiresAt = '2026-11-29T10:00:00.000Z';
const afterExpiry = '2026-11-30T10:00:00.000Z';

const base: OrganizationEvent[] = [...members, team('t1', 'Sales')];
const invite = (extra: Partial<CommandOf<'InviteMember'>> = {}): OrganizationCommand => ({
  type: 'InviteMember',
  invitationId: 'inv-1',
  email: 'Ada.New@Example.com ',
  role: 'user',
  teamIds: ['t1'],
  permissions: [],
  send: true,
  expiresAt,
  actorId: 'owner',
  at,
  ...extra,
});
const accept = (extra: Partial<CommandOf<'AcceptInvitation'>> = {}): OrganizationCommand => ({
  type: 'AcceptInvitation',
  invitationId: 'inv-1',
  sendSequence: 1,
  userId: 'cid',
  email: 'ada.new@example.com',
  actorId: 'cid',
  at: later,
  ...extra,
});
const change = (extra: Partial<CommandOf<'ChangeInvitation'>> = {}): OrganizationCommand => ({
  type: 'ChangeInvitation',
  invitationId: 'inv-1',
  role: 'user',
  teamIds: ['t1'],
  permissions: [],
  actorId: 'owner',
  at,
  ...extra,
});
const invited = [...base, ...given(base).when(invite()).decided()];

const refusalOf = (history: OrganizationEvent[]): string | undefined => {
  try {
    given(history).when(accept()).decided();
    return undefined;
  } catch (error) {
    return /refused: ([a-z-]+)/.exec(String(error))?.[1];
  }
};

describe('invitations', () => {
  it('R5: the Owner invites by e-mail with a role and teams; the address is normalised; the link is sent', () => {
    given(base)
      .when(invite())
      .then([
        {
          type: 'InvitationCreated',
          data: {
            ...stamp('owner'),
            invitationId: 'inv-1',
            email: 'ada.new@example.com',
            role: 'user',
            teamIds: ['t1'],
            permissions: [],
            expiresAt,
          },
        },
        {
          type: 'InvitationSent',
          data: {
            ...stamp('owner'),
            invitationId: 'inv-1',
            sendSequence: 1,
            expiresAt,
            email: 'ada.new@example.com',
            orgName: 'Acme',
            role: 'user',
          },
        },
      ]);
  });

  it('R5: by phone too; exactly one of e-mail or phone', () => {
    given(base)
      .when(invite({ email: undefined, phone: '+442079460958' }))
      .thenTypes(['InvitationCreated', 'InvitationSent']);
    given(base)
      .when(invite({ phone: '+442079460958' }))
      .thenRefuses('validation-failed', { field: 'email' });
    given(base)
      .when(invite({ email: undefined }))
      .thenRefuses('validation-failed');
  });

  it('R5: an invitation is not texted to a premium-rate, shared-cost or other line that is not a person’s', () => {
    for (const [phone, lineType] of [
      ['+19005551234', 'premium-rate'],
      ['+448712345678', 'premium-rate'],
      ['+18005551234', 'toll-free'],
      ['+443001234567', 'uan'],
      ['+447012345678', 'personal-number'],
    ] as const)
      given(base)
        .when(invite({ email: undefined, phone }))
        .thenRefuses('phone-not-personal', { field: 'phone', lineType });
    // Mobile, fixed and either-or lines are invited as ever.
    for (const phone of ['+447624123456', '+4915112345678', '+442079460958', '+14155552671'])
      given(base)
        .when(invite({ email: undefined, phone }))
        .thenTypes(['InvitationCreated', 'InvitationSent']);
  });

  it('R5: an invitation to such a number made before they were refused is still answered as made when retried', () => {
    const premium = '+19005551234';
    const madeEarlier = given(base)
      .when(invite({ email: undefined, phone: '+447624123456' }))
      .decided()
      .map((e) =>
        'phone' in e.data ? { ...e, data: { ...e.data, phone: premium } } : e,
      ) as OrganizationEvent[];
    given([...base, ...madeEarlier])
      .when(invite({ email: undefined, phone: premium }))
      .then([]);
  });

  it('R5: an invitation to such a number made before they were refused is not texted again: a resend is refused', () => {
    const madeEarlier = given(base)
      .when(invite({ email: undefined, phone: '+447624123456', send: false }))
      .decided()
      .map((e) =>
        'phone' in e.data ? { ...e, data: { ...e.data, phone: '+19005551234' } } : e,
      ) as OrganizationEvent[];
    given([...base, ...madeEarlier])
      .when(cmd('owner', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
      .thenRefuses('phone-not-personal', { field: 'phone', lineType: 'premium-rate' });
    // A mobile number's is resent as ever.
    given([
      ...base,
      ...given(base)
        .when(invite({ email: undefined, phone: '+447624123456', send: false }))
        .decided(),
    ])
      .when(cmd('owner', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
      .thenTypes(['InvitationSent']);
  });

  it('R5: a User invites only when granted members.invite, and then only as User, with no permissions', () => {
    given(base)
      .when(invite({ actorId: 'bob' }))
      .thenRefuses('insufficient-permission', { required: 'members.invite' });
    const inviter = [...base, granted('bob', ['members.read', 'members.invite'])];
    given(inviter)
      .when(invite({ actorId: 'bob', teamIds: [] }))
      .thenTypes(['InvitationCreated', 'InvitationSent']);
    // R11: into a team only where they could add the member themself (managing it); the refusal names the team.
    const notManaged = given(inviter)
      .when(invite({ actorId: 'bob' }))
      .thenRefuses('insufficient-role', { required: 'teams.manage', field: 'teamIds', teamId: 't1' });
    expect(notManaged.message).toBe('requires teams.manage or managing this team (R11): team t1');
    given([...inviter, inTeam('t1', 'bob', 'manager')])
      .when(invite({ actorId: 'bob' }))
      .thenTypes(['InvitationCreated', 'InvitationSent']);
    // The hole: a User with members.invite handing out the Admin role or permissions they could not grant.
    given(inviter)
      .when(invite({ actorId: 'bob', role: 'admin' }))
      .thenRefuses('role-above-own', { field: 'role' });
    given(inviter)
      .when(invite({ actorId: 'bob', teamIds: [], permissions: ['members.read', 'org.update'] }))
      .thenRefuses('cannot-grant-permission', { permission: 'members.read' });
  });

  it('R5: a User with members.invite resends, revokes or moves into teams only what is within their own rights', () => {
    const adminInvited = [
      ...base,
      granted('bob', ['members.read', 'members.invite']),
      ...given(base)
        .when(invite({ role: 'admin' }))
        .decided(),
    ];
    // The role is the invitation's, not a field of the request: the refusal names the invitation.
    for (const command of [
      { type: 'SendInvitation', invitationId: 'inv-1', expiresAt },
      { type: 'RevokeInvitation', invitationId: 'inv-1' },
    ] as const) {
      const refusal = given(adminInvited)
        .when(cmd('bob', command))
        .thenRefuses('role-above-own', { invitationId: 'inv-1', role: 'admin' });
      expect(refusal.details).not.toHaveProperty('field');
    }
    const userInvited = [
      ...base,
      team('t2', 'Support'),
      granted('bob', ['members.read', 'members.invite']),
      ...given([...base, team('t2', 'Support')])
        .when(invite())
        .decided(),
    ];
    given(userInvited)
      .when(cmd('bob', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
      .thenTypes(['InvitationSent']);
    // The team the Owner named stays; one Bob does not manage cannot be added by him.
    given(userInvited)
      .when(change({ actorId: 'bob', teamIds: ['t1', 't2'] }))
      .thenRefuses('insufficient-role', { required: 'teams.manage', field: 'teamIds', teamId: 't2' });
    // A team that does not exist is named as it was (its message names it already).
    const missing = given(userInvited)
      .when(change({ teamIds: ['t1', 'gone'] }))
      .thenRefuses('team-not-found', { field: 'teamIds', teamId: 'gone' });
    expect(missing.message).toBe('no team gone');
    given(userInvited)
      .when(change({ actorId: 'bob', teamIds: ['t1'], permissions: [] }))
      .then([]);
    given(userInvited)
      .when(cmd('bob', { type: 'RevokeInvitation', invitationId: 'inv-1' }))
      .thenTypes(['InvitationRevoked']);
  });

  it('R5: an Admin invites with the permissions they may grant, never an Owner-only one', () => {
    given(base)
      .when(invite({ actorId: 'admin', role: 'admin', permissions: ['org.billing'] }))
      .thenRefuses('cannot-grant-permission', { permission: 'org.billing' });
    given(base)
      .when(invite({ actorId: 'owner', role: 'user', permissions: ['org.update', 'org.billing'] }))
      .thenRefuses('permission-requires-role', { permission: 'org.billing' });
    given(base)
      .when(invite({ actorId: 'admin', permissions: ['members.read', 'audit.read'] }))
      .thenTypes(['InvitationCreated', 'InvitationSent']);
  });

  it('R6: a member can be added without sending, and the invitation sent later', () => {
    const unsent = [
      ...base,
      ...given(base)
        .when(invite({ send: false }))
        .thenTypes(['InvitationCreated'])
        .decided(),
    ];
    given(unsent).when(accept()).thenRefuses('invitation-link-superseded');
    // Never sent, it has no link at all: not even one naming send 0.
    given(unsent)
      .when(accept({ sendSequence: 0 }))
      .thenRefuses('invitation-link-superseded');
    const sent = given(unsent)
      .when(cmd('owner', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
      .thenTypes(['InvitationSent'])
      .decided();
    expect(sent[0]!.data).toMatchObject({ sendSequence: 1, email: 'ada.new@example.com', orgName: 'Acme' });
    given([...unsent, ...sent])
      .when(accept())
      .thenTypes(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
  });

  it('R6: an invitation never sent does not lapse: past the expiry set at its creation it is still pending', () => {
    const unsent = [
      ...base,
      ...given(base)
        .when(invite({ send: false }))
        .decided(),
    ];
    const past = { at: afterExpiry };
    given(unsent)
      .when({ type: 'ExpireInvitation', invitationId: 'inv-1', actorId: 'system', at: afterExpiry })
      .then([]);
    given(unsent)
      .when({ ...change({ role: 'admin' }), ...past })
      .thenTypes(['InvitationChanged']);
    given(unsent)
      .when({ ...invite({ invitationId: 'inv-2' }), ...past })
      .thenRefuses('already-invited', { invitationId: 'inv-1' });
    const sent = given(unsent)
      .when({
        ...cmd('owner', {
          type: 'SendInvitation',
          invitationId: 'inv-1',
          expiresAt: '2026-12-07T10:00:00.000Z',
        }),
        ...past,
      })
      .thenTypes(['InvitationSent'])
      .decided();
    // Sent, its link lapses at the expiry the send set.
    const afterTheSend = [...unsent, ...sent];
    given(afterTheSend)
      .when({ ...accept(), at: '2026-12-01T10:00:00.000Z' })
      .thenTypes(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
    given(afterTheSend)
      .when({ ...accept(), at: '2026-12-07T10:00:00.000Z' })
      .thenRefuses('invitation-expired');
    given(afterTheSend)
      .when({
        type: 'ExpireInvitation',
        invitationId: 'inv-1',
        actorId: 'system',
        at: '2026-12-07T10:00:00.000Z',
      })
      .thenTypes(['InvitationExpired']);
    given(unsent)
      .when({ ...cmd('owner', { type: 'RevokeInvitation', invitationId: 'inv-1' }), ...past })
      .thenTypes(['InvitationRevoked']);
  });

  it('R5: a resend issues a new link and the old one stops working', () => {
    const resent = [
      ...invited,
      ...given(invited)
        .when(cmd('admin', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
        .decided(),
    ];
    given(resent)
      .when(accept({ sendSequence: 1 }))
      .thenRefuses('invitation-link-superseded');
    given(resent)
      .when(accept({ sendSequence: 2 }))
      .thenTypes(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
    given(invited)
      .when(cmd('ada', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
      .thenRefuses('insufficient-permission');
    given(invited)
      .when(cmd('owner', { type: 'SendInvitation', invitationId: 'nope', expiresAt }))
      .thenRefuses('invitation-not-found');
  });

  it('R5: accepting joins with the invited role and teams, once, and only by the invited identity, for themselves', () => {
    const accepted = given(invited).when(accept());
    accepted.then([
      { type: 'InvitationAccepted', data: { ...stamp('cid', later), invitationId: 'inv-1', userId: 'cid' } },
      {
        type: 'MemberJoined',
        data: { ...stamp('cid', later), userId: 'cid', role: 'user', via: 'invitation' },
      },
      {
        type: 'TeamMemberAdded',
        data: { ...stamp('cid', later), teamId: 't1', userId: 'cid', role: 'member' },
      },
    ]);
    const state = accepted.state() as ActiveOrganization;
    expect(state.members.get('cid')?.role).toBe('user');
    expect(state.teams.get('t1')?.members.get('cid')).toBe('member');
    const after = [...invited, ...accepted.decided()];
    given(after).when(accept()).then([]);
    given(after)
      .when(accept({ userId: 'eve', actorId: 'eve' }))
      .thenRefuses('invitation-already-accepted');
    given(invited)
      .when(accept({ email: 'eve@example.com', userId: 'eve', actorId: 'eve' }))
      .thenRefuses('invitation-identity-mismatch');
    given(invited)
      .when(accept({ actorId: 'eve' }))
      .thenRefuses('invitation-identity-mismatch');
    given(invited)
      .when(accept({ userId: 'ada', actorId: 'ada' }))
      .thenRefuses('already-member');
  });

  it('an Admin who invited their own other address and was then removed cannot come back through it', () => {
    const selfInvited = [
      ...base,
      ...given(base)
        .when(invite({ actorId: 'admin', role: 'admin', email: 'admin.private@example.com' }))
        .decided(),
    ];
    const removal = given(selfInvited)
      .when(cmd('owner', { type: 'RemoveMember', userId: 'admin' }))
      .decided();
    const comeBack = accept({ userId: 'admin', actorId: 'admin', email: 'admin.private@example.com' });
    // The removal revokes it; recorded before removals did, it is still not theirs to accept.
    given([...selfInvited, ...removal])
      .when(comeBack)
      .thenRefuses('invitation-revoked');
    given([...selfInvited, ...recordedBeforeRevocationsWithTheGiver(removal)])
      .when(comeBack)
      .thenRefuses('own-invitation');
  });

  it("an Admin's or permissions-bearing invitation lives no longer than its giver's right to give it; a plain User's outlives its sender", () => {
    // The Admin, whom the Owner delegated org.billing, invites someone (another account of theirs, say) as Admin with it.
    const delegated = [...base, granted('admin', ['org.billing'])];
    const byAdmin = [
      ...delegated,
      ...given(delegated)
        .when(invite({ actorId: 'admin', role: 'admin', permissions: ['org.billing'] }))
        .decided(),
    ];
    given(byAdmin)
      .when(accept())
      .thenTypes(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded', 'PermissionsGranted']);
    const after = (command: OrganizationCommand) => [...byAdmin, ...given(byAdmin).when(command).decided()];
    for (const [what, history] of [
      ['removed', after(cmd('owner', { type: 'RemoveMember', userId: 'admin' }))],
      ['demoted', after(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))],
      [
        'without the delegated permission',
        after(cmd('owner', { type: 'RevokePermissions', userId: 'admin', permissions: ['org.billing'] })),
      ],
    ] as const)
      expect([what, refusalOf(history)]).toEqual([what, 'invitation-revoked']);
    given(after(cmd('owner', { type: 'RemoveMember', userId: 'admin' })))
      .when(accept())
      .thenRefuses('invitation-revoked', { invitationId: 'inv-1' });
    // A plain User's invitation outlives its sender's standing (here: removed).
    const plain = [
      ...base,
      ...given(base)
        .when(invite({ actorId: 'admin' }))
        .decided(),
    ];
    const senderGone = [
      ...plain,
      ...given(plain)
        .when(cmd('owner', { type: 'RemoveMember', userId: 'admin' }))
        .decided(),
    ];
    given(senderGone).when(accept()).thenTypes(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
    given(senderGone)
      .when(cmd('owner', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
      .thenTypes(['InvitationSent']);
  });

  it('R5: a User invitation that carries permissions lives no longer than its giver; a giver demoted below its role no longer gives it', () => {
    const withPermissions = [
      ...base,
      ...given(base)
        .when(invite({ actorId: 'admin', permissions: ['members.read'] }))
        .decided(),
    ];
    const giverGone = [
      ...withPermissions,
      ...given(withPermissions)
        .when(cmd('owner', { type: 'RemoveMember', userId: 'admin' }))
        .decided(),
    ];
    given(giverGone).when(accept()).thenRefuses('invitation-revoked', { invitationId: 'inv-1' });
    // An Admin who holds members.invite as a grant too keeps inviting as a User, but gives no Admin invitation.
    const invites = [...base, granted('admin', ['members.read', 'members.invite'])];
    const adminInvitation = [
      ...invites,
      ...given(invites)
        .when(invite({ actorId: 'admin', role: 'admin' }))
        .decided(),
    ];
    const demoted = [
      ...adminInvitation,
      ...given(adminInvitation)
        .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .decided(),
    ];
    const state = given(demoted)
      .when(cmd('owner', { type: 'SetSchedulable', userId: 'bob', schedulable: true }))
      .state() as ActiveOrganization;
    expect([...state.members.get('admin')!.granted].sort()).toEqual(['members.invite', 'members.read']);
    given(demoted).when(accept()).thenRefuses('invitation-revoked', { invitationId: 'inv-1' });
    // A User invitation with permissions, from an Admin who keeps inviting and holding them once demoted: only an Admin
    // or the Owner grants, so the demotion revokes it, and the invitee never holds what a User granted.
    const userInvitation = [
      ...invites,
      ...given(invites)
        .when(invite({ actorId: 'admin', permissions: ['members.read'] }))
        .decided(),
    ];
    given(userInvitation)
      .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
      .thenTypes(['MemberRoleChanged', 'InvitationRevoked']);
    const demotedGiver = [
      ...userInvitation,
      ...given(userInvitation)
        .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .decided(),
    ];
    given(demotedGiver).when(accept()).thenRefuses('invitation-revoked', { invitationId: 'inv-1' });
    // Without permissions, the same invitation is a plain User's and outlives the demotion.
    const plain = [
      ...invites,
      ...given(invites)
        .when(invite({ actorId: 'admin' }))
        .decided(),
    ];
    given(plain)
      .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
      .thenTypes(['MemberRoleChanged']);
  });

  it("R5: the change that takes away a giver's right revokes their invitations, so the right coming back does not bring them back", () => {
    const byAdmin = [
      ...base,
      granted('admin', ['org.billing']),
      ...given([...base, granted('admin', ['org.billing'])])
        .when(invite({ actorId: 'admin', role: 'admin' }))
        .decided(),
      ...given([...base, granted('admin', ['org.billing'])])
        .when(
          invite({
            actorId: 'admin',
            invitationId: 'inv-2',
            email: 'other@example.com',
            role: 'admin',
            permissions: ['org.billing'],
          }),
        )
        .decided(),
      ...given(base)
        .when(invite({ actorId: 'admin', invitationId: 'inv-3', email: 'plain@example.com' }))
        .decided(),
    ];
    const revoked = (invitationId: string): OrganizationEvent => ({
      type: 'InvitationRevoked',
      data: { ...stamp('owner'), invitationId },
    });
    // Demoted: the Admin invitation goes (a User gives none); the one with org.billing too (a User may not hold it).
    given(byAdmin)
      .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
      .then([
        {
          type: 'MemberRoleChanged',
          data: { ...stamp('owner'), userId: 'admin', from: 'admin', to: 'user' },
        },
        {
          type: 'PermissionsRevoked',
          data: { ...stamp('owner'), userId: 'admin', permissions: ['org.billing'] },
        },
        revoked('inv-1'),
        revoked('inv-2'),
      ]);
    // The delegation taken back: only the invitation that gave it goes. Removed: both go; the plain User's stays.
    given(byAdmin)
      .when(cmd('owner', { type: 'RevokePermissions', userId: 'admin', permissions: ['org.billing'] }))
      .then([
        {
          type: 'PermissionsRevoked',
          data: { ...stamp('owner'), userId: 'admin', permissions: ['org.billing'] },
        },
        revoked('inv-2'),
      ]);
    const removal = given(byAdmin)
      .when(cmd('owner', { type: 'RemoveMember', userId: 'admin' }))
      .decided();
    expect(removal.filter((e) => e.type === 'InvitationRevoked')).toEqual([
      revoked('inv-1'),
      revoked('inv-2'),
    ]);
    // Promoted again, the Admin's invitation stays revoked: not sent, changed or accepted; inviting again makes another.
    const demotedAndBack = [
      ...byAdmin,
      ...given(byAdmin)
        .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .decided(),
    ];
    const promoted = [
      ...demotedAndBack,
      ...given(demotedAndBack)
        .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'admin' }))
        .decided(),
    ];
    given(promoted).when(accept()).thenRefuses('invitation-revoked');
    given(promoted)
      .when(cmd('owner', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
      .thenRefuses('invitation-not-pending');
    given(promoted)
      .when(change({ role: 'admin' }))
      .thenRefuses('invitation-not-pending');
    given(promoted)
      .when(invite({ invitationId: 'inv-4', role: 'admin' }))
      .thenTypes(['InvitationCreated', 'InvitationSent']);
    // A change of someone else's standing, or of the giver's that still gives the terms, revokes nothing.
    given(byAdmin)
      .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'bob', role: 'admin' }))
      .thenTypes(['MemberRoleChanged']);
    givenWith(extendCatalog(defaultCatalog, { 'env.read': {} }))(byAdmin)
      .when(cmd('owner', { type: 'GrantPermissions', userId: 'admin', permissions: ['env.read'] }))
      .thenTypes(['PermissionsGranted']);
  });

  it('R5: a change that leaves the giver able to give the terms revokes nothing: a promotion, a transfer', () => {
    // Demoted before demotions revoked (the invitation still recorded pending), then an Admin again: it is given again.
    const byAdmin = [
      ...base,
      ...given(base)
        .when(invite({ actorId: 'admin', role: 'admin' }))
        .decided(),
    ];
    const demoted = [
      ...byAdmin,
      ...recordedBeforeRevocationsWithTheGiver(
        given(byAdmin)
          .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
          .decided(),
      ),
    ];
    given(demoted)
      .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'admin' }))
      .thenTypes(['MemberRoleChanged']);
    // The Owner hands over to the Admin: each still gives an Admin invitation, the one as Admin, the other as Owner.
    const byBoth = [
      ...base,
      ...given(base)
        .when(invite({ actorId: 'owner', role: 'admin' }))
        .decided(),
      ...given(base)
        .when(invite({ actorId: 'admin', invitationId: 'inv-2', email: 'other@example.com', role: 'admin' }))
        .decided(),
    ];
    given(byBoth)
      .when(cmd('owner', { type: 'TransferOwnership', newOwnerId: 'admin' }))
      .thenTypes(['OwnershipTransferred']);
    // Deleted with its Owner (R10), the organization revokes its invitations once, as a deletion does.
    const deletion = given(byBoth)
      .when(cmd('system', { type: 'RemoveDeletedUser', userId: 'owner', ownedOrganizationsConfirmed: true }))
      .decided();
    expect(deletion.filter((e) => e.type === 'InvitationRevoked').map((e) => e.data)).toEqual([
      expect.objectContaining({ invitationId: 'inv-1' }),
      expect.objectContaining({ invitationId: 'inv-2' }),
    ]);
  });

  it('an invitation recorded pending though its giver may no longer give it (before such changes revoked it) is not sent again; an Owner who changes it gives it anew', () => {
    const byAdmin = [
      ...base,
      ...given(base)
        .when(invite({ actorId: 'admin', role: 'admin' }))
        .decided(),
    ];
    const giverGone = [
      ...byAdmin,
      ...recordedBeforeRevocationsWithTheGiver(
        given(byAdmin)
          .when(cmd('owner', { type: 'RemoveMember', userId: 'admin' }))
          .decided(),
      ),
    ];
    given(giverGone)
      .when(cmd('owner', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
      .thenRefuses('invitation-revoked', { invitationId: 'inv-1' });
    given(byAdmin)
      .when(cmd('owner', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
      .thenTypes(['InvitationSent']);
    // The same terms again: no change while the giver may give them, the Owner's own once the giver may not.
    given(byAdmin)
      .when(change({ role: 'admin' }))
      .then([]);
    const regiven = given(giverGone)
      .when(change({ role: 'admin' }))
      .then([
        {
          type: 'InvitationChanged',
          data: { ...stamp('owner'), invitationId: 'inv-1', role: 'admin', teamIds: ['t1'], permissions: [] },
        },
      ])
      .decided();
    given([...giverGone, ...regiven])
      .when(accept())
      .thenTypes(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
    // Invited again, by anyone who may: the dead one is revoked and the new one made.
    const again = given(giverGone)
      .when(invite({ invitationId: 'inv-2', role: 'admin' }))
      .thenTypes(['InvitationRevoked', 'InvitationCreated', 'InvitationSent'])
      .decided();
    expect(again[0]!.data).toMatchObject({ invitationId: 'inv-1' });
  });

  it('R5: a change that leaves out teams or permissions drops those gone since, as acceptance would', () => {
    const teamGone = [
      ...invited,
      ...given(invited)
        .when(cmd('owner', { type: 'DeleteTeam', teamId: 't1' }))
        .decided(),
    ];
    given(teamGone)
      .when(change({ role: 'admin', teamIds: undefined, permissions: undefined }))
      .then([
        {
          type: 'InvitationChanged',
          data: { ...stamp('owner'), invitationId: 'inv-1', role: 'admin', teamIds: [], permissions: [] },
        },
      ]);
    given(teamGone)
      .when(change({ role: 'admin', teamIds: ['t1'], permissions: undefined }))
      .thenRefuses('team-not-found');
  });

  it('R5: an invitation by phone is accepted only by that phone number', () => {
    const byPhone = [
      ...base,
      ...given(base)
        .when(invite({ email: undefined, phone: '+442079460958' }))
        .decided(),
    ];
    given(byPhone)
      .when(accept({ email: undefined, phone: '+442079460958' }))
      .thenTypes(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
    given(byPhone)
      .when(accept({ email: undefined, phone: '+442079460959' }))
      .thenRefuses('invitation-identity-mismatch');
    given(byPhone)
      .when(accept({ email: 'ada.new@example.com' }))
      .thenRefuses('invitation-identity-mismatch');
  });

  it('R5, R7: a number whose link a member accepted is not invited again while they are a member (a re-run import texts nobody)', () => {
    const phone = '+442079460958';
    const byPhone = [
      ...base,
      ...given(base)
        .when(invite({ email: undefined, phone }))
        .decided(),
    ];
    const joinedByPhone = [
      ...byPhone,
      ...given(byPhone)
        .when(accept({ email: undefined, phone }))
        .decided(),
    ];
    // No team: the member's leaving empties and so deletes theirs (R8).
    const again = invite({ invitationId: 'inv-2', email: undefined, phone, teamIds: [] });
    given(joinedByPhone).when(again).thenRefuses('already-member');
    // The same invitation again (a retry under its id) is still recognised as done, not refused.
    given(joinedByPhone)
      .when(invite({ email: undefined, phone }))
      .then([]);
    // Another number, or the same one once its member has left, is invited.
    given(joinedByPhone)
      .when(invite({ invitationId: 'inv-2', email: undefined, phone: '+442079460959' }))
      .thenTypes(['InvitationCreated', 'InvitationSent']);
    const left = [
      ...joinedByPhone,
      ...given(joinedByPhone)
        .when(cmd('cid', { type: 'LeaveOrganization' }))
        .decided(),
    ];
    given(left).when(again).thenTypes(['InvitationCreated', 'InvitationSent']);
    // Made while they were away, unsent; they joined again another way: it is not texted to them.
    const unsentThenBack = [
      ...left,
      ...given(left)
        .when(invite({ invitationId: 'inv-2', email: undefined, phone, teamIds: [], send: false }))
        .decided(),
      joined('cid'),
    ];
    const send = cmd('owner', { type: 'SendInvitation', invitationId: 'inv-2', expiresAt });
    given(unsentThenBack).when(send).thenRefuses('already-member', { invitationId: 'inv-2' });
    given([...unsentThenBack.slice(0, -1)])
      .when(send)
      .thenTypes(['InvitationSent']);
  });

  it('R5: revoked and expired invitations cannot be accepted; expiry is recorded once due, by the system', () => {
    const revoked = [
      ...invited,
      ...given(invited)
        .when(cmd('owner', { type: 'RevokeInvitation', invitationId: 'inv-1' }))
        .thenTypes(['InvitationRevoked'])
        .decided(),
    ];
    given(revoked).when(accept()).thenRefuses('invitation-revoked');
    given(revoked)
      .when(cmd('owner', { type: 'RevokeInvitation', invitationId: 'inv-1' }))
      .then([]);
    // A revoked one is not pending, and past its expiry it is still revoked, not expired.
    for (const at of [undefined, afterExpiry]) {
      given(revoked)
        .when({
          ...cmd('owner', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }),
          ...(at ? { at } : {}),
        })
        .thenRefuses('invitation-not-pending');
      given(revoked)
        .when({ ...change(), ...(at ? { at } : {}) })
        .thenRefuses('invitation-not-pending');
    }
    given(invited)
      .when(accept({ at: afterExpiry }))
      .thenRefuses('invitation-expired');
    // Registered from the link before it expired, the reaction that accepts coming after: judged at the registration.
    given(invited)
      .when(accept({ at: afterExpiry, registeredAt: later }))
      .thenTypes(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
    given(invited)
      .when(accept({ at: afterExpiry, registeredAt: expiresAt }))
      .thenRefuses('invitation-expired');
    // A registration a clock dates after the decision is judged now.
    given(invited)
      .when(accept({ at: later, registeredAt: afterExpiry }))
      .thenTypes(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
    const expire = (when: string): OrganizationCommand => ({
      type: 'ExpireInvitation',
      invitationId: 'inv-1',
      actorId: 'system',
      at: when,
    });
    given(invited).when(expire(later)).then([]);
    const expired = [
      ...invited,
      ...given(invited).when(expire(afterExpiry)).thenTypes(['InvitationExpired']).decided(),
    ];
    given(expired).when(expire(afterExpiry)).then([]);
    given(expired).when(accept()).thenRefuses('invitation-expired');
    // Once the expiry is recorded, a registration in time is refused too: the record stands.
    given(expired)
      .when(accept({ at: afterExpiry, registeredAt: later }))
      .thenRefuses('invitation-expired');
    // Expired is one answer to every command on it, revoking included.
    given(expired)
      .when(cmd('owner', { type: 'RevokeInvitation', invitationId: 'inv-1' }))
      .thenRefuses('invitation-expired');
    // Sending or changing it is refused as expired, as it was before the sweep recorded it.
    given(expired)
      .when(cmd('owner', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt }))
      .thenRefuses('invitation-expired');
    given(expired).when(change()).thenRefuses('invitation-expired');
    given(invited)
      .when({ ...expire(afterExpiry), actorId: 'owner' })
      .thenRefuses('system-only');
    given(invited)
      .when(cmd('owner', { type: 'SendInvitation', invitationId: 'inv-1', expiresAt: afterExpiry }))
      .thenTypes(['InvitationSent']);
    given(invited)
      .when({ ...change(), at: afterExpiry })
      .thenRefuses('invitation-expired');
  });

  it('R5: role, teams and permissions of a pending invitation change before acceptance; the same terms are a no-op', () => {
    const changed = given(invited)
      .when(change({ role: 'admin', teamIds: [] }))
      .decided();
    expect(changed).toEqual([
      {
        type: 'InvitationChanged',
        data: { ...stamp('owner'), invitationId: 'inv-1', role: 'admin', teamIds: [], permissions: [] },
      },
    ]);
    given([...invited, ...changed])
      .when(accept())
      .thenTypes(['InvitationAccepted', 'MemberJoined']);
    expect(
      given([...invited, ...changed])
        .when(accept())
        .decided()[1]!.data,
    ).toMatchObject({ role: 'admin' });
    given(invited).when(change()).then([]);
    given(invited)
      .when(change({ teamIds: ['nope'] }))
      .thenRefuses('team-not-found');
    given(invited)
      .when(change({ actorId: 'ada' }))
      .thenRefuses('insufficient-permission');
  });

  it('R5: an invitation’s edit is bounded like the invitation: no role or permission above the editor’s own', () => {
    const adminInvited = [
      ...base,
      ...given(base)
        .when(invite({ role: 'admin' }))
        .decided(),
      granted('bob', ['members.read', 'members.invite']),
    ];
    // Asking for `user` on an Admin's invitation: what is above is the invitation, not the role asked.
    const editing = given(adminInvited)
      .when(change({ actorId: 'bob', role: 'user' }))
      .thenRefuses('role-above-own', { invitationId: 'inv-1', role: 'admin' });
    expect(editing.details).not.toHaveProperty('field');
    const userInvited = [...invited, granted('bob', ['members.read', 'members.invite'])];
    given(userInvited)
      .when(change({ actorId: 'bob', role: 'admin' }))
      .thenRefuses('role-above-own', { field: 'role', role: 'admin' });
    given(userInvited)
      .when(change({ actorId: 'bob', permissions: ['members.read'] }))
      .thenRefuses('cannot-grant-permission');
    given(userInvited)
      .when(change({ actorId: 'bob', teamIds: [] }))
      .thenTypes(['InvitationChanged']);
  });

  it('R5, R6: sending an unsent invitation to someone who has joined since is a conflict; to anyone else it is sent', () => {
    const unsent = [
      ...base,
      ...given(base)
        .when(invite({ send: false }))
        .decided(),
    ];
    const send = (inviteeUserId?: string) =>
      cmd('owner', {
        type: 'SendInvitation',
        invitationId: 'inv-1',
        expiresAt,
        ...(inviteeUserId ? { inviteeUserId } : {}),
      });
    given(unsent).when(send('bob')).thenRefuses('already-member', { invitationId: 'inv-1' });
    given(unsent).when(send('someone-else')).thenTypes(['InvitationSent']);
    given(unsent).when(send()).thenTypes(['InvitationSent']);
  });

  it('R5: inviting an existing member or an already invited person is a conflict; the same invitation again is not', () => {
    given(base)
      .when(invite({ inviteeUserId: 'bob' }))
      .thenRefuses('already-member');
    given(invited)
      .when(invite({ invitationId: 'inv-2' }))
      .thenRefuses('already-invited', { invitationId: 'inv-1', sameTerms: true });
    given(invited)
      .when(invite({ invitationId: 'inv-2', role: 'admin' }))
      .thenRefuses('already-invited', { sameTerms: false });
    given(invited).when(invite()).then([]);
    given(invited)
      .when(invite({ send: false, teamIds: ['t1', 't1'] }))
      .then([]);
  });

  it('an invitation id reused for another person or other terms is a conflict, not a silent success', () => {
    given(invited)
      .when(invite({ email: 'someone.else@example.com' }))
      .thenRefuses('invitation-id-reused', { invitationId: 'inv-1' });
    given(invited)
      .when(invite({ role: 'admin' }))
      .thenRefuses('invitation-id-reused');
    given(invited)
      .when(invite({ teamIds: [] }))
      .thenRefuses('invitation-id-reused');
    given(invited)
      .when(invite({ email: undefined, phone: '+442079460958' }))
      .thenRefuses('invitation-id-reused');
  });

  it('a person whose invitation was revoked or expired can be invited again, afresh', () => {
    const revoked = [
      ...invited,
      ...given(invited)
        .when(cmd('owner', { type: 'RevokeInvitation', invitationId: 'inv-1' }))
        .decided(),
    ];
    given(revoked)
      .when(invite({ invitationId: 'inv-2' }))
      .thenTypes(['InvitationCreated', 'InvitationSent']);
  });

  it('R7: an invitation past its expiry that the sweep has not recorded yet is expired, not pending', () => {
    // Invited again: the lapsed one is recorded as expired in the same decision, and the new one made.
    const again = given(invited)
      .when(invite({ invitationId: 'inv-2', at: afterExpiry }))
      .thenTypes(['InvitationExpired', 'InvitationCreated', 'InvitationSent'])
      .decided();
    expect(again[0]!.data).toMatchObject({ invitationId: 'inv-1', at: afterExpiry, actorId: 'system' });
    const state = given([...invited, ...again]).state() as ActiveOrganization;
    expect([state.invitations.get('inv-1')!.status, state.invitations.get('inv-2')!.status]).toEqual([
      'expired',
      'pending',
    ]);
    // At its expiry exactly it has lapsed; a moment before, it is still the pending one.
    given(invited)
      .when(invite({ invitationId: 'inv-2', at: expiresAt }))
      .thenTypes(['InvitationExpired', 'InvitationCreated', 'InvitationSent']);
    given(invited)
      .when(invite({ invitationId: 'inv-2', at: '2026-11-29T09:59:59.999Z' }))
      .thenRefuses('already-invited');
    // Revoking it is refused as revoking a recorded expired one is (and tells nobody).
    const revoke = (when: string) => ({
      type: 'RevokeInvitation' as const,
      invitationId: 'inv-1',
      actorId: 'owner',
      at: when,
    });
    given(invited).when(revoke(afterExpiry)).thenRefuses('invitation-expired');
    given(invited).when(revoke(later)).thenTypes(['InvitationRevoked']);
  });

  it('R5: a change that leaves out teams or permissions keeps the invitation’s; an empty list clears them', () => {
    const withTerms = [
      ...base,
      ...given(base)
        .when(invite({ role: 'admin', permissions: ['members.read'] }))
        .decided(),
    ];
    given(withTerms)
      .when(change({ role: 'user', teamIds: undefined, permissions: undefined }))
      .then([
        {
          type: 'InvitationChanged',
          data: {
            ...stamp('owner'),
            invitationId: 'inv-1',
            role: 'user',
            teamIds: ['t1'],
            permissions: ['members.read'],
          },
        },
      ]);
    given(withTerms)
      .when(change({ role: 'admin', teamIds: undefined, permissions: undefined }))
      .then([]);
    given(withTerms)
      .when(change({ role: 'admin', teamIds: [], permissions: undefined }))
      .then([
        {
          type: 'InvitationChanged',
          data: {
            ...stamp('owner'),
            invitationId: 'inv-1',
            role: 'admin',
            teamIds: [],
            permissions: ['members.read'],
          },
        },
      ]);
    given(withTerms)
      .when(change({ role: 'admin', teamIds: undefined, permissions: [] }))
      .then([
        {
          type: 'InvitationChanged',
          data: { ...stamp('owner'), invitationId: 'inv-1', role: 'admin', teamIds: ['t1'], permissions: [] },
        },
      ]);
  });

  it('R5/R20: an invitation cannot promise permissions its role and list do not support; teams must exist', () => {
    given(base)
      .when(invite({ permissions: ['teams.create'] }))
      .thenRefuses('permission-prerequisite-missing', { missing: ['teams.manage'] });
    given(base)
      .when(invite({ teamIds: ['nope'] }))
      .thenRefuses('team-not-found');
    given(base)
      .when(invite({ permissions: ['nope'] }))
      .thenRefuses('unknown-permission');
  });

  it('R20/R21: acceptance grants the invitation’s permissions in the name of who set them, not the invitee', () => {
    const withPermissions = [
      ...base,
      ...given(base)
        .when(invite({ actorId: 'admin', permissions: ['members.read', 'audit.read'] }))
        .decided(),
    ];
    const events = given(withPermissions).when(accept()).decided();
    expect(events.at(-1)).toEqual({
      type: 'PermissionsGranted',
      data: { ...stamp('admin', later), userId: 'cid', permissions: ['audit.read', 'members.read'] },
    });
    const rechanged = [
      ...withPermissions,
      ...given(withPermissions)
        .when(change({ permissions: ['members.read'] }))
        .decided(),
    ];
    expect(given(rechanged).when(accept()).decided().at(-1)!.data).toMatchObject({
      actorId: 'owner',
      permissions: ['members.read'],
    });
  });

  it('R20 at acceptance: what the invited role gives is not recorded as a grant, so a later demotion takes it', () => {
    const asAdmin = [
      ...base,
      ...given(base)
        .when(invite({ role: 'admin', permissions: ['members.read', 'org.billing', 'org.update'] }))
        .decided(),
    ];
    const joinedAsAdmin = [...asAdmin, ...given(asAdmin).when(accept()).decided()];
    expect(joinedAsAdmin.at(-1)).toMatchObject({
      type: 'PermissionsGranted',
      data: { userId: 'cid', permissions: ['org.billing'] },
    });
    const demoted = [
      ...joinedAsAdmin,
      ...given(joinedAsAdmin)
        .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'cid', role: 'user' }))
        .decided(),
    ];
    const member = (fold(organizationDecider(), demoted) as ActiveOrganization).members.get('cid')!;
    expect(member.role).toBe('user');
    expect([...member.granted]).toEqual([]);
    // Only role-given permissions asked for: nothing to record at all.
    const onlyRoleGiven = [
      ...base,
      ...given(base)
        .when(invite({ role: 'admin', permissions: ['members.read', 'org.update'] }))
        .decided(),
    ];
    expect(
      given(onlyRoleGiven)
        .when(accept())
        .decided()
        .map((e) => e.type),
    ).toEqual(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
  });

  it('R20 at acceptance: a permission the catalog no longer supports for that role is left out', () => {
    // The invitation was written when the role could hold it (history as recorded); acceptance re-checks.
    const stale: OrganizationEvent[] = [
      ...base,
      {
        type: 'InvitationCreated',
        data: {
          ...stamp('owner'),
          invitationId: 'inv-1',
          email: 'ada.new@example.com',
          role: 'user',
          teamIds: [],
          permissions: ['org.billing', 'org.update', 'gone.permission'],
          expiresAt,
        },
      },
      {
        type: 'InvitationSent',
        data: { ...stamp('owner'), invitationId: 'inv-1', sendSequence: 1, expiresAt },
      },
    ];
    expect(given(stale).when(accept()).decided().at(-1)).toMatchObject({
      type: 'PermissionsGranted',
      data: { userId: 'cid', permissions: ['org.update'] },
    });
  });

  /** An invitation on the free plan, made by the Owner while `catalog` allowed its `permissions` there. */
  const invitedOnFree = (catalog: PermissionsCatalog, permissions: string[]): OrganizationEvent[] => {
    const onFree = [created('free'), joined('admin', 'admin')];
    return [
      ...onFree,
      ...givenWith(catalog)(onFree)
        .when(invite({ teamIds: [], permissions }))
        .decided(),
    ];
  };
  /** What a change to Admin that leaves teams and permissions as they are records. */
  const changedToAdmin = (actorId: string, permissions: string[]): OrganizationEvent[] => [
    {
      type: 'InvitationChanged',
      data: { ...stamp(actorId), invitationId: 'inv-1', role: 'admin', teamIds: [], permissions },
    },
  ];

  it('R20 at acceptance: a permission the plan no longer allows (the catalog changed since) is left out', () => {
    const allowedThen = extendCatalog(defaultCatalog, { 'env.read': { plans: ['free'] } });
    const allowedNoMore = extendCatalog(defaultCatalog, { 'env.read': {} });
    const invited = invitedOnFree(allowedThen, ['members.read', 'env.read']);
    expect(givenWith(allowedThen)(invited).when(accept()).decided().at(-1)).toMatchObject({
      type: 'PermissionsGranted',
      data: { userId: 'cid', permissions: ['env.read', 'members.read'] },
    });
    expect(givenWith(allowedNoMore)(invited).when(accept()).decided().at(-1)).toMatchObject({
      type: 'PermissionsGranted',
      data: { userId: 'cid', permissions: ['members.read'] },
    });
    // A change that leaves the permissions as they are drops it too, rather than refuse what nobody asked for.
    givenWith(allowedNoMore)(invited)
      .when(change({ actorId: 'admin', role: 'admin', teamIds: undefined, permissions: undefined }))
      .then(changedToAdmin('admin', ['members.read']));
  });

  it('R20: a change that leaves the permissions as they are drops one left without its prerequisite, as acceptance does', () => {
    const env = { 'env.admin': { requires: ['env.read'], plans: ['free'] } };
    const allowedThen = extendCatalog(defaultCatalog, { 'env.read': { plans: ['free'] }, ...env });
    const allowedNoMore = extendCatalog(defaultCatalog, { 'env.read': {}, ...env });
    const invited = invitedOnFree(allowedThen, ['members.read', 'env.read', 'env.admin']);
    expect(givenWith(allowedNoMore)(invited).when(accept()).decided().at(-1)).toMatchObject({
      type: 'PermissionsGranted',
      data: { permissions: ['members.read'] },
    });
    givenWith(allowedNoMore)(invited)
      .when(change({ role: 'admin', teamIds: undefined, permissions: undefined }))
      .then(changedToAdmin('owner', ['members.read']));
  });

  it('a team deleted after the invitation is simply left out at acceptance', () => {
    const teamGone = [
      ...invited,
      {
        type: 'TeamDeleted',
        data: { ...stamp('owner'), teamId: 't1', reason: 'deleted' },
      } as OrganizationEvent,
    ];
    given(teamGone).when(accept()).thenTypes(['InvitationAccepted', 'MemberJoined']);
  });

  it('R10: deleting the organization revokes its pending invitations', () => {
    given([...invited, joined('zed')])
      .when(cmd('owner', { type: 'DeleteOrganization' }))
      .thenTypes(['TeamDeleted', 'InvitationRevoked', 'OrganizationDeleted']);
  });

  it('R5: terms are kept as sets (sorted, no repeats), a phone is trimmed, and a retry in another order is the same', () => {
    const history = [...base, team('t2', 'Ops')];
    const [created] = given(history)
      .when(
        invite({ teamIds: ['t2', 't1', 't2'], permissions: ['members.read', 'audit.read', 'members.read'] }),
      )
      .decided();
    expect(created).toMatchObject({
      type: 'InvitationCreated',
      data: { teamIds: ['t1', 't2'], permissions: ['audit.read', 'members.read'] },
    });
    const after = [
      ...history,
      ...given(history)
        .when(invite({ teamIds: ['t2', 't1'] }))
        .decided(),
    ];
    given(after)
      .when(invite({ teamIds: ['t1', 't2'] }))
      .then([]);

    const [byPhone] = given(base)
      .when(invite({ email: undefined, phone: ' +14155550100 ', send: false }))
      .decided();
    expect(byPhone).toMatchObject({ data: { phone: '+14155550100' } });
    expect(byPhone?.data).not.toHaveProperty('email');
  });

  it('R5: an invitation expires at its expiry instant exactly, not a moment later', () => {
    given(invited)
      .when(accept({ at: expiresAt }))
      .thenRefuses('invitation-expired');
    given(invited)
      .when(accept({ at: new Date(Date.parse(expiresAt) - 1).toISOString() }))
      .thenTypes(['InvitationAccepted', 'MemberJoined', 'TeamMemberAdded']);
    given(invited)
      .when({ type: 'ExpireInvitation', invitationId: 'inv-1', actorId: 'system', at: expiresAt })
      .thenTypes(['InvitationExpired']);
  });

  describe('erasing an invitee (an operator, for someone who never registered)', () => {
    const erase = (extra: Partial<CommandOf<'EraseInvitee'>> = {}): OrganizationCommand => ({
      type: 'EraseInvitee',
      invitationIds: ['inv-1'],
      addressKey: 'addr-abcdefgh',
      actorId: 'operator-1',
      actorIsOperator: true,
      at: later,
      ...extra,
    });

    it('revokes the pending invitation and records the erasure with the key destroyed', () => {
      given(invited)
        .when(erase())
        .then([
          { type: 'InvitationRevoked', data: { ...stamp('operator-1', later), invitationId: 'inv-1' } },
          {
            type: 'InviteeErased',
            data: { ...stamp('operator-1', later), invitationIds: ['inv-1'], erasedKeys: ['addr-abcdefgh'] },
          },
        ]);
    });

    it('is an operator’s action only, even for the Owner', () => {
      given(invited)
        .when(erase({ actorId: 'owner', actorIsOperator: false }))
        .thenRefuses('operator-only');
      given(invited)
        .when(erase({ actorId: 'owner', actorIsOperator: undefined }))
        .thenRefuses('operator-only');
    });

    it('an accepted invitation is erased without a revocation; unknown ones are left out', () => {
      const accepted = [...invited, ...given(invited).when(accept()).decided()];
      given(accepted)
        .when(erase({ invitationIds: ['inv-1', 'inv-unknown', 'inv-1'] }))
        .then([
          {
            type: 'InviteeErased',
            data: { ...stamp('operator-1', later), invitationIds: ['inv-1'], erasedKeys: ['addr-abcdefgh'] },
          },
        ]);
    });

    it('nothing to erase is a no-op: no such invitation, or one already erased', () => {
      given(invited)
        .when(erase({ invitationIds: ['inv-unknown'] }))
        .then([]);
      const erased = [...invited, ...given(invited).when(erase()).decided()];
      given(erased).when(erase()).then([]);
    });

    it('the organization forgets the address at once: accepting the erased invitation is refused', () => {
      const erased = [...invited, ...given(invited).when(erase()).decided()];
      const state = fold(organizationDecider(), erased) as ActiveOrganization;
      expect(state.invitations.get('inv-1')).toMatchObject({
        status: 'revoked',
        email: undefined,
        phone: undefined,
      });
      given(erased).when(accept()).thenRefuses('invitation-revoked');
    });
  });
});

/** A change's events as recorded before the change that took away a giver's right also revoked their invitations. */
function recordedBeforeRevocationsWithTheGiver(events: readonly OrganizationEvent[]): OrganizationEvent[] {
  return events.filter((event) => event.type !== 'InvitationRevoked');
}
