import { type OrganizationCommand } from './organization.commands';
import { organizationDecider } from './organization.decider';
import { type OrganizationEvent } from './organization.events';
import { fromOrganizationSnapshot, toOrganizationSnapshot } from './organization.snapshot';
import { type ActiveOrganization } from './organization.state';
import { defaultCatalog } from '@app/permissions';
import { partnersAmong } from './decide/guards';
import { givenOnlyThroughParent } from './decide/invitations';
import {
  at,
  cmd,
  created,
  given,
  granted,
  joined,
  settings,
  stamp,
  team,
} from './organization.fixtures.testing';

const child: OrganizationEvent[] = [
  {
    type: 'OrganizationCreated',
    data: { ...stamp('owner'), name: 'Branch', ownerId: 'owner', plan: 'standard' },
  },
  joined('ada'),
];
const linked: OrganizationEvent[] = [
  ...child,
  { type: 'ParentOrganizationLinked', data: { ...stamp('owner'), parentOrgId: 'partner' } },
];
const twoFactorRequired: OrganizationEvent[] = [...child, settings({ requireTwoFactor: true })];

/** A command by someone acting through `via`'s customers.manage (as resolved by the handler). */
const acting = (command: OrganizationCommand, via = 'partner'): OrganizationCommand => ({
  ...command,
  actorActsAsAdminVia: via,
});

/** Accepting `inv-1` (sent once to new@example.com) while the handler found `partners` holding customers.manage in the parent. */
const acceptedWhile = (partners: string[] | undefined, userId = 'newcomer'): OrganizationCommand => ({
  ...cmd(userId, {
    type: 'AcceptInvitation',
    invitationId: 'inv-1',
    sendSequence: 1,
    userId,
    email: 'new@example.com',
  }),
  ...(partners ? { giversActingViaParent: { parentOrgId: 'partner', userIds: partners } } : {}),
});

describe('parent and child organizations (R19)', () => {
  const invite = (actorId: string): OrganizationCommand =>
    cmd(actorId, {
      type: 'InviteMember',
      invitationId: 'inv-1',
      email: 'new@example.com',
      role: 'user',
      teamIds: [],
      permissions: [],
      send: false,
      expiresAt: '2026-12-01T00:00:00.000Z',
    });

  it('R19: a parent member with customers.manage acts as Admin in the child', () => {
    given(linked).when(invite('partner-admin')).thenRefuses('not-a-member');
    given(linked)
      .when(acting(invite('partner-admin')))
      .thenTypes(['InvitationCreated']);
    given(linked)
      .when(acting(cmd('partner-admin', { type: 'ChangeMemberRole', userId: 'ada', role: 'admin' })))
      .then([
        {
          type: 'MemberRoleChanged',
          data: { ...stamp('partner-admin'), orgId: 'org-1', userId: 'ada', from: 'user', to: 'admin' },
        },
      ]);
  });

  describe('R19: every admin act, done through the parent, and refused to the same person without that standing', () => {
    const expiresAt = '2026-12-01T00:00:00.000Z';
    const inChild: OrganizationEvent[] = [
      ...linked,
      granted('ada', ['members.read']),
      { type: 'TeamCreated', data: { ...stamp('owner'), teamId: 't1', name: 'T1' } },
      { type: 'TeamMemberAdded', data: { ...stamp('owner'), teamId: 't1', userId: 'ada', role: 'member' } },
      {
        type: 'InvitationCreated',
        data: {
          ...stamp('owner'),
          invitationId: 'inv-0',
          email: 'pending@example.com',
          role: 'user',
          teamIds: [],
          permissions: [],
          expiresAt,
        },
      },
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'branch.example' } },
    ];
    const acts: [OrganizationCommand['type'], Parameters<typeof cmd>[1], string][] = [
      ['ChangeMemberRole', { type: 'ChangeMemberRole', userId: 'ada', role: 'admin' }, 'MemberRoleChanged'],
      [
        'GrantPermissions',
        { type: 'GrantPermissions', userId: 'ada', permissions: ['audit.read'] },
        'PermissionsGranted',
      ],
      [
        'RevokePermissions',
        { type: 'RevokePermissions', userId: 'ada', permissions: ['members.read'] },
        'PermissionsRevoked',
      ],
      ['SetSchedulable', { type: 'SetSchedulable', userId: 'ada', schedulable: true }, 'SchedulableChanged'],
      ['RemoveMember', { type: 'RemoveMember', userId: 'ada' }, 'MemberRemoved'],
      ['CreateTeam', { type: 'CreateTeam', teamId: 't2', name: 'T2' }, 'TeamCreated'],
      ['RenameTeam', { type: 'RenameTeam', teamId: 't1', name: 'Renamed' }, 'TeamRenamed'],
      ['DeleteTeam', { type: 'DeleteTeam', teamId: 't1' }, 'TeamDeleted'],
      [
        'AddTeamMember',
        { type: 'AddTeamMember', teamId: 't1', userId: 'owner', role: 'manager' },
        'TeamMemberAdded',
      ],
      ['RemoveTeamMember', { type: 'RemoveTeamMember', teamId: 't1', userId: 'ada' }, 'TeamMemberRemoved'],
      [
        'InviteMember',
        {
          type: 'InviteMember',
          invitationId: 'inv-1',
          email: 'new@example.com',
          role: 'user',
          teamIds: [],
          permissions: [],
          send: false,
          expiresAt,
        },
        'InvitationCreated',
      ],
      [
        'ChangeInvitation',
        { type: 'ChangeInvitation', invitationId: 'inv-0', role: 'admin', teamIds: [], permissions: [] },
        'InvitationChanged',
      ],
      ['SendInvitation', { type: 'SendInvitation', invitationId: 'inv-0', expiresAt }, 'InvitationSent'],
      ['RevokeInvitation', { type: 'RevokeInvitation', invitationId: 'inv-0' }, 'InvitationRevoked'],
      ['UpdateSettings', { type: 'UpdateSettings', name: 'Branch 2' }, 'SettingsUpdated'],
      ['SetContactPerson', { type: 'SetContactPerson', userId: 'ada' }, 'ContactPersonChanged'],
      [
        'SetAvailability',
        { type: 'SetAvailability', userId: 'ada', available: false, weekly: [] },
        'AvailabilityChanged',
      ],
      ['ReleaseDomain', { type: 'ReleaseDomain', domain: 'branch.example' }, 'DomainReleased'],
      ['RequestPasswordReset', { type: 'RequestPasswordReset', userId: 'ada' }, 'PasswordResetRequested'],
    ];

    it.each(acts)('%s', (_type, asked, eventType) => {
      const command = cmd('partner-admin', asked);
      const events = given(inChild).when(acting(command)).decided();
      expect(events.map((e) => e.type)).toContain(eventType);
      for (const event of events) expect(event.data).toMatchObject({ actorId: 'partner-admin' });
      given(inChild).when(command).thenRefuses('not-a-member');
    });
  });

  it('R19: acting as Admin never makes them Owner, a member, or anything through another organization', () => {
    given(linked)
      .when(acting(cmd('partner-admin', { type: 'DeleteOrganization' })))
      .thenRefuses('not-a-member');
    given(linked)
      .when(acting(cmd('partner-admin', { type: 'TransferOwnership', newOwnerId: 'ada' })))
      .thenRefuses('owner-only');
    given(linked)
      .when(acting(cmd('partner-admin', { type: 'LeaveOrganization' })))
      .then([]);
    given(linked)
      .when(
        acting(cmd('partner-admin', { type: 'SetSchedulable', userId: 'partner-admin', schedulable: true })),
      )
      .thenRefuses('not-a-member');
    given(linked)
      .when(acting(invite('partner-admin'), 'some-other-org'))
      .thenRefuses('not-a-member');
    given(child)
      .when(acting(invite('partner-admin')))
      .thenRefuses('not-a-member');
  });

  it('R19, R16: acting through the parent, one claims no domain: auto-join there would make one a member', () => {
    const claim = cmd('partner-admin', {
      type: 'ClaimDomain',
      domain: 'other.example',
      actorVerifiedEmail: 'pat@other.example',
    });
    given(linked)
      .when(acting(claim))
      .thenRefuses('domain-not-proven', { field: 'domain', domain: 'other.example' });
    // The same person as an Admin of the child claims it with the same address.
    given([...linked, joined('partner-admin', 'admin')])
      .when(claim)
      .then([{ type: 'DomainClaimed', data: { ...stamp('partner-admin'), domain: 'other.example' } }]);
  });

  it('R19, R16: acting through the parent, one turns auto-join off but not on: with an address at the domain, one would join', () => {
    const autoJoin = (on: boolean) => acting(cmd('partner-admin', { type: 'UpdateSettings', autoJoin: on }));
    given(linked).when(autoJoin(true)).thenRefuses('domain-not-proven', { field: 'autoJoin' });
    const on = [...linked, settings({ autoJoin: true })];
    given(on).when(autoJoin(true)).then([]);
    given(on)
      .when(autoJoin(false))
      .then([
        {
          type: 'SettingsUpdated',
          data: {
            ...stamp('partner-admin'),
            name: 'Acme',
            autoJoin: false,
            membersMayEditOwnAvailability: true,
            requireTwoFactor: false,
          },
        },
      ]);
    // The other settings are an Admin's to change, acting through the parent too; the child's own Admin turns it on.
    given(linked)
      .when(acting(cmd('partner-admin', { type: 'UpdateSettings', membersMayEditOwnAvailability: false })))
      .then([
        {
          type: 'SettingsUpdated',
          data: {
            ...stamp('partner-admin'),
            name: 'Branch',
            autoJoin: false,
            membersMayEditOwnAvailability: false,
            requireTwoFactor: false,
          },
        },
      ]);
    given([...linked, joined('partner-admin', 'admin')])
      .when(cmd('partner-admin', { type: 'UpdateSettings', autoJoin: true }))
      .then([
        {
          type: 'SettingsUpdated',
          data: {
            ...stamp('partner-admin'),
            name: 'Branch',
            autoJoin: true,
            membersMayEditOwnAvailability: true,
            requireTwoFactor: false,
          },
        },
      ]);
  });

  it('R19: an acting Admin grants themself nothing (no permission that would outlive the link)', () => {
    given(linked)
      .when(
        acting(
          cmd('partner-admin', {
            type: 'GrantPermissions',
            userId: 'partner-admin',
            permissions: ['members.read'],
          }),
        ),
      )
      .thenRefuses('cannot-change-own-permissions');
    given(linked)
      .when(
        acting(
          cmd('partner-admin', { type: 'GrantPermissions', userId: 'ada', permissions: ['org.billing'] }),
        ),
      )
      .thenRefuses('cannot-grant-permission');
    given(linked)
      .when(
        acting(
          cmd('partner-admin', { type: 'GrantPermissions', userId: 'ada', permissions: ['members.read'] }),
        ),
      )
      .thenTypes(['PermissionsGranted']);
  });

  it('R19: an acting Admin cannot become a member by inviting themself: the invitation they set is not theirs to accept', () => {
    const selfInvited = [
      ...linked,
      ...given(linked)
        .when(acting({ ...invite('partner-admin'), role: 'admin', send: true } as OrganizationCommand))
        .decided(),
    ];
    given(selfInvited)
      .when(acceptedWhile(['partner-admin'], 'partner-admin'))
      .thenRefuses('own-invitation');
    // The person it was meant for accepts it, and joins with the terms the acting Admin set.
    given(selfInvited)
      .when(acceptedWhile(['partner-admin']))
      .thenTypes(['InvitationAccepted', 'MemberJoined']);
    // Once the link is undone, what was set through it is revoked: nobody joins as Admin through it, not even once
    // the organization is linked again and the partner holds customers.manage there again.
    const unlinked = [
      ...selfInvited,
      ...given(selfInvited)
        .when(cmd('system', { type: 'DetachFromParent', parentOrgId: 'partner' }))
        .thenTypes(['ParentOrganizationUnlinked', 'InvitationRevoked'])
        .decided(),
    ];
    given(unlinked)
      .when(acceptedWhile(['partner-admin']))
      .thenRefuses('invitation-revoked');
    const relinked = [
      ...unlinked,
      ...given(unlinked)
        .when(cmd('owner', { type: 'AttachToParent', parentOrgId: 'partner' }))
        .decided(),
    ];
    given(relinked)
      .when(acceptedWhile(['partner-admin']))
      .thenRefuses('invitation-revoked');
  });

  it('R19, R21: grants that come with an invitation set through the parent say so, those of a member do not', () => {
    const withGrant = (actorId: string) =>
      ({ ...invite(actorId), permissions: ['members.read'], send: true }) as OrganizationCommand;
    const byPartner = [
      ...linked,
      ...given(linked)
        .when(acting(withGrant('partner-admin')))
        .decided(),
    ];
    const granted = given(byPartner)
      .when(acceptedWhile(['partner-admin']))
      .decided()
      .find((e) => e.type === 'PermissionsGranted');
    expect(granted?.data).toMatchObject({
      actorId: 'partner-admin',
      actingVia: 'partner',
      userId: 'newcomer',
    });
    const byOwner = [...linked, ...given(linked).when(withGrant('owner')).decided()];
    const ownGrant = given(byOwner)
      .when(acceptedWhile(undefined))
      .decided()
      .find((e) => e.type === 'PermissionsGranted');
    expect(ownGrant?.data).toMatchObject({ actorId: 'owner', userId: 'newcomer' });
    expect(ownGrant?.data).not.toHaveProperty('actingVia');
    // A plain User of the child who set them as an Admin through the parent granted them through it too: a User
    // grants nothing in their own right (R3, R20), and the audit must not say so.
    const byUserPartner = [
      ...linked,
      joined('partner-admin'),
      ...given([...linked, joined('partner-admin')])
        .when(acting(withGrant('partner-admin')))
        .decided(),
    ];
    const throughParent = given(byUserPartner)
      .when(acceptedWhile(['partner-admin']))
      .decided()
      .find((e) => e.type === 'PermissionsGranted');
    expect(throughParent?.data).toMatchObject({
      actorId: 'partner-admin',
      actingVia: 'partner',
      userId: 'newcomer',
    });
  });

  it('R19, R5: an Admin invitation set through the parent is void once its giver no longer holds customers.manage there', () => {
    const invited = [
      ...linked,
      ...given(linked)
        .when(acting({ ...invite('partner-admin'), role: 'admin', send: true } as OrganizationCommand))
        .decided(),
    ];
    // Removed from the parent, or customers.manage revoked there: the handler finds no such partner.
    given(invited).when(acceptedWhile([])).thenRefuses('invitation-revoked');
    given(invited).when(acceptedWhile(undefined)).thenRefuses('invitation-revoked');
    // Partners of another organization than this one's parent count for nothing.
    given(invited)
      .when({
        ...acceptedWhile(['partner-admin']),
        giversActingViaParent: { parentOrgId: 'elsewhere', userIds: ['partner-admin'] },
      })
      .thenRefuses('invitation-revoked');
    // And it is not sent again.
    given(invited)
      .when(
        cmd('owner', {
          type: 'SendInvitation',
          invitationId: 'inv-1',
          expiresAt: '2026-12-01T00:00:00.000Z',
        }),
      )
      .thenRefuses('invitation-revoked');
  });

  it('R5, R19: an Admin removed from an organization that has a parent takes the Admin invitations they set with them', () => {
    const invited = [
      ...linked,
      joined('admin', 'admin'),
      ...given([...linked, joined('admin', 'admin')])
        .when({ ...invite('admin'), role: 'admin', send: true } as OrganizationCommand)
        .decided(),
    ];
    const removed = [
      ...invited,
      ...given(invited)
        .when(cmd('owner', { type: 'RemoveMember', userId: 'admin' }))
        .decided(),
    ];
    given(removed).when(acceptedWhile([])).thenRefuses('invitation-revoked');
    // Still an Admin here, they still give it, with or without a standing in the parent.
    given(invited).when(acceptedWhile([])).thenTypes(['InvitationAccepted', 'MemberJoined']);
  });

  it('R5, R19: an Admin here who is also a partner through the parent, demoted here, still gives their Admin invitation through it', () => {
    const invited = [
      ...linked,
      joined('dual', 'admin'),
      ...given([...linked, joined('dual', 'admin')])
        .when({ ...invite('dual'), role: 'admin', send: true } as OrganizationCommand)
        .decided(),
    ];
    const demoted = given(invited)
      .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'dual', role: 'user' }))
      .thenTypes(['MemberRoleChanged'])
      .decided();
    given([...invited, ...demoted])
      .when(acceptedWhile(['dual']))
      .thenTypes(['InvitationAccepted', 'MemberJoined']);
    given([...invited, ...demoted])
      .when(acceptedWhile([]))
      .thenRefuses('invitation-revoked');
  });

  describe('R5, R19: rechecking invitations after a change in the parent', () => {
    /** `RecheckInvitations` while the handler found `partners` holding customers.manage in the parent. */
    const recheckWhile = (partners: string[] | undefined, actorId = 'system'): OrganizationCommand => ({
      ...cmd(actorId, { type: 'RecheckInvitations' }),
      ...(partners ? { giversActingViaParent: { parentOrgId: 'partner', userIds: partners } } : {}),
    });
    /** An invitation set through the parent by `carl` (Admin), and one set here by the Owner. */
    const invited = [
      ...linked,
      ...given(linked)
        .when(acting({ ...invite('carl'), role: 'admin', send: true } as OrganizationCommand))
        .decided(),
      ...given(linked)
        .when({
          ...invite('owner'),
          invitationId: 'inv-2',
          email: 'two@example.com',
          role: 'admin',
        } as OrganizationCommand)
        .decided(),
    ];

    it('revokes what a giver who no longer holds customers.manage there set, and nothing else', () => {
      given(invited)
        .when(recheckWhile([]))
        .then([{ type: 'InvitationRevoked', data: { ...stamp('system'), invitationId: 'inv-1' } }]);
      given(invited)
        .when(recheckWhile(['carl']))
        .then([]);
    });

    it('changes nothing without the givers looked up in the parent, nor for a plain User’s or an expired invitation', () => {
      given(invited).when(recheckWhile(undefined)).then([]);
      const plainUser = [
        ...linked,
        ...given(linked)
          .when(acting(invite('carl')))
          .decided(),
      ];
      given(plainUser).when(recheckWhile([])).then([]);
      given(invited)
        .when({ ...recheckWhile([]), at: '2026-12-01T00:00:00.000Z' })
        .then([]);
    });

    it('in an organization without a parent, revokes what a giver who may no longer give it set (a history from before)', () => {
      const adminInvited = [
        ...child,
        joined('adm', 'admin'),
        ...given([...child, joined('adm', 'admin')])
          .when({ ...invite('adm'), role: 'admin' } as OrganizationCommand)
          .decided(),
      ];
      // Demoted in a history recorded before a demotion revoked the giver's invitations with it.
      const demotedBefore: OrganizationEvent[] = [
        ...adminInvited,
        { type: 'MemberRoleChanged', data: { ...stamp('owner'), userId: 'adm', from: 'admin', to: 'user' } },
      ];
      given(demotedBefore)
        .when(recheckWhile(undefined))
        .then([{ type: 'InvitationRevoked', data: { ...stamp('system'), invitationId: 'inv-1' } }]);
      given(adminInvited).when(recheckWhile(undefined)).then([]);
    });

    it('is the system’s alone', () => {
      given(invited).when(recheckWhile([], 'owner')).thenRefuses('system-only');
    });

    describe('which invitations rest on their giver’s place in the parent (rechecked once recorded)', () => {
      const decider = organizationDecider();
      const stateAfter = (events: OrganizationEvent[]) =>
        events.reduce(decider.evolve, decider.initialState()) as ActiveOrganization;
      const inv1 = (events: OrganizationEvent[]) => {
        const state = stateAfter(events);
        return givenOnlyThroughParent(state, defaultCatalog, state.invitations.get('inv-1')!);
      };
      const invitedBy = (history: OrganizationEvent[], command: OrganizationCommand): OrganizationEvent[] => [
        ...history,
        ...given(history).when(command).decided(),
      ];
      const adminInvite = (actorId: string) => ({ ...invite(actorId), role: 'admin' }) as OrganizationCommand;

      it('an Admin’s terms set by someone who is no Admin here, under a parent', () => {
        expect(inv1(invitedBy(linked, acting(adminInvite('carl'))))).toBe(true);
        // A User here, a partner there: the terms are the parent’s to give.
        expect(inv1(invitedBy(linked, acting(adminInvite('ada'))))).toBe(true);
      });

      it('not what the giver’s own standing here gives, nor a plain User’s invitation, nor without a parent', () => {
        expect(inv1(invitedBy(linked, adminInvite('owner')))).toBe(false);
        expect(inv1(invitedBy(linked, acting(invite('carl'))))).toBe(false);
        const unlinked = [...child, joined('adm', 'admin')];
        expect(inv1(invitedBy(unlinked, adminInvite('adm')))).toBe(false);
        const withoutParent = invitedBy(linked, acting(adminInvite('carl'))).filter(
          (event) => event.type !== 'ParentOrganizationLinked',
        );
        expect(inv1(withoutParent)).toBe(false);
      });

      it('not an invitation the system set', () => {
        const bySystem = invitedBy(linked, acting(adminInvite('carl'))).map((event) =>
          event.type === 'InvitationCreated'
            ? ({ ...event, data: { ...event.data, actorId: 'system' } } as OrganizationEvent)
            : event,
        );
        expect(stateAfter(bySystem).invitations.get('inv-1')?.grantedBy).toBe('system');
        expect(inv1(bySystem)).toBe(false);
      });
    });
  });

  it('R19: a child User who set an Admin invitation through the parent gives it as long as they hold customers.manage there', () => {
    const invited = [
      ...linked,
      ...given(linked)
        .when(acting({ ...invite('ada'), role: 'admin', send: true } as OrganizationCommand))
        .decided(),
    ];
    given(invited)
      .when(acceptedWhile(['ada']))
      .thenTypes(['InvitationAccepted', 'MemberJoined']);
    // A User in their own right gives no Admin invitation.
    given(invited).when(acceptedWhile([])).thenRefuses('invitation-revoked');
    // Leaving the child takes nothing from what they give through the parent: the invitation stays theirs to give.
    const left = given(invited)
      .when(cmd('ada', { type: 'LeaveOrganization' }))
      .thenTypes(['MemberLeft'])
      .decided();
    given([...invited, ...left])
      .when(acceptedWhile(['ada']))
      .thenTypes(['InvitationAccepted', 'MemberJoined']);
  });

  it('R19: the partners among some users are those who hold customers.manage in the parent, by role or by grant', () => {
    const history: OrganizationEvent[] = [
      created(),
      joined('admin', 'admin'),
      joined('granted'),
      joined('plain'),
      granted('granted', ['members.read', 'customers.manage']),
    ];
    const parent = given(history)
      .when(cmd('owner', { type: 'SetSchedulable', userId: 'plain', schedulable: true }))
      .state() as ActiveOrganization;
    const users = ['owner', 'admin', 'granted', 'plain', 'stranger'];
    const parentOf = (childOrgId: string) =>
      given([...history, { type: 'ChildOrganizationLinked', data: { ...stamp('owner'), childOrgId } }])
        .when(cmd('owner', { type: 'SetSchedulable', userId: 'plain', schedulable: true }))
        .state() as ActiveOrganization;
    expect(partnersAmong(parentOf('branch'), defaultCatalog, users, 'branch')).toEqual([
      'owner',
      'admin',
      'granted',
    ]);
    // Only in a child the parent records: a link half made (the child's side alone) or half undone gives nothing.
    expect(partnersAmong(parentOf('branch'), defaultCatalog, users, 'elsewhere')).toEqual([]);
    expect(partnersAmong(parent, defaultCatalog, users, 'branch')).toEqual([]);
    expect(partnersAmong(undefined, defaultCatalog, ['owner'], 'branch')).toEqual([]);
  });

  it('R19: a child member acting through the parent keeps their own role and grants as a member', () => {
    const history = [...linked, granted('ada', ['availability.editOwn'])];
    const state = given(history)
      .when(acting(cmd('ada', { type: 'SetSchedulable', userId: 'ada', schedulable: true })))
      .state() as ActiveOrganization;
    expect(state.members.get('ada')).toMatchObject({ role: 'user', schedulable: true });
    expect([...state.members.get('ada')!.granted]).toEqual(['availability.editOwn']);
  });

  it('R19: acting through the parent, a child member staffs teams but never puts themself in one', () => {
    const withTeam = [...linked, team('t1', 'Sales')];
    given(withTeam)
      .when(acting(cmd('ada', { type: 'AddTeamMember', teamId: 't1', userId: 'ada', role: 'manager' })))
      .thenRefuses('cannot-change-own-role');
    given(withTeam)
      .when(acting(cmd('ada', { type: 'AddTeamMember', teamId: 't1', userId: 'owner', role: 'member' })))
      .thenTypes(['TeamMemberAdded']);
    // A real Admin of the child puts themself in a team as any Admin does.
    given([...withTeam, joined('adele', 'admin')])
      .when(cmd('adele', { type: 'AddTeamMember', teamId: 't1', userId: 'adele', role: 'manager' }))
      .thenTypes(['TeamMemberAdded']);
  });

  it('R19: a child has one parent; an organization is not its own parent or child', () => {
    const attach = (parentOrgId: string, actorId = 'owner') =>
      cmd(actorId, { type: 'AttachToParent', parentOrgId });
    given(child)
      .when(attach('partner'))
      .then([{ type: 'ParentOrganizationLinked', data: { ...stamp('owner'), parentOrgId: 'partner' } }]);
    given(linked).when(attach('partner')).then([]);
    given(linked)
      .when(attach('chain'))
      .thenRefuses('organization-already-linked', { parentOrgId: 'partner' });
    given(child)
      .when({ ...attach('org-1') })
      .thenRefuses('organization-link-cycle');
    given(child)
      .when(cmd('owner', { type: 'LinkChildOrganization', childOrgId: 'org-1' }))
      .thenRefuses('organization-link-cycle');
    given(child).when(attach('partner', 'ada')).thenRefuses('owner-only');
    given(child).when(attach('partner', 'stranger')).thenRefuses('not-a-member');
  });

  it('R19: only the child’s Owner puts it under a parent: an Admin cannot hand its admin rights to another organization', () => {
    given([...child, joined('adam', 'admin')])
      .when(cmd('adam', { type: 'AttachToParent', parentOrgId: 'adams-own' }))
      .thenRefuses('owner-only');
  });

  it('R19: links are made and undone by Owners and Admins; the same again is a no-op', () => {
    const parent = given(child)
      .when(cmd('owner', { type: 'LinkChildOrganization', childOrgId: 'branch-2' }))
      .then([{ type: 'ChildOrganizationLinked', data: { ...stamp('owner'), childOrgId: 'branch-2' } }]);
    const withChild = [...child, ...parent.decided()];
    given(withChild)
      .when(cmd('owner', { type: 'LinkChildOrganization', childOrgId: 'branch-2' }))
      .then([]);
    given(withChild)
      .when(cmd('ada', { type: 'LinkChildOrganization', childOrgId: 'branch-3' }))
      .thenRefuses('insufficient-role');
    given(withChild)
      .when(cmd('owner', { type: 'UnlinkChildOrganization', childOrgId: 'branch-2' }))
      .then([{ type: 'ChildOrganizationUnlinked', data: { ...stamp('owner'), childOrgId: 'branch-2' } }]);
    given(withChild)
      .when(cmd('owner', { type: 'UnlinkChildOrganization', childOrgId: 'none' }))
      .then([]);
    given(withChild)
      .when(cmd('ada', { type: 'UnlinkChildOrganization', childOrgId: 'branch-2' }))
      .thenRefuses('insufficient-role');
    // R10: a child that was deleted is unlinked by the system.
    given(withChild)
      .when(cmd('system', { type: 'UnlinkChildOrganization', childOrgId: 'branch-2' }))
      .then([{ type: 'ChildOrganizationUnlinked', data: { ...stamp('system'), childOrgId: 'branch-2' } }]);
  });

  it('R19: the child forgets its parent when the system (or its own Owner/Admin) detaches it', () => {
    const detach = (actorId: string, parentOrgId = 'partner') =>
      cmd(actorId, { type: 'DetachFromParent', parentOrgId });
    const state = given(linked)
      .when(detach('system'))
      .then([{ type: 'ParentOrganizationUnlinked', data: { ...stamp('system'), parentOrgId: 'partner' } }])
      .state() as ActiveOrganization;
    expect(state.parentOrgId).toBeUndefined();
    given(linked).when(detach('owner')).thenTypes(['ParentOrganizationUnlinked']);
    given(linked).when(detach('ada')).thenRefuses('insufficient-role');
    given(linked).when(detach('system', 'other')).then([]);
  });

  it('R19: links survive a snapshot round trip', () => {
    const decider = organizationDecider();
    const parent: OrganizationEvent[] = [
      {
        type: 'OrganizationCreated',
        data: { orgId: 'partner', actorId: 'p', at, name: 'Partner', ownerId: 'p', plan: 'standard' },
      },
      { type: 'ChildOrganizationLinked', data: { orgId: 'partner', actorId: 'p', at, childOrgId: 'child' } },
    ];
    const restored = fromOrganizationSnapshot(
      JSON.parse(JSON.stringify(toOrganizationSnapshot(given(parent).state()))),
    ) as ActiveOrganization;
    expect([...restored.childOrgIds]).toEqual(['child']);
    expect(
      decider.decide({ type: 'UnlinkChildOrganization', childOrgId: 'child', actorId: 'p', at }, restored),
    ).toHaveLength(1);
    const childRestored = fromOrganizationSnapshot(
      JSON.parse(JSON.stringify(toOrganizationSnapshot(given(linked).state()))),
    ) as ActiveOrganization;
    expect(childRestored.parentOrgId).toBe('partner');
  });
});

describe('required two-factor authentication (R22)', () => {
  const mark = (actorTwoFactor?: boolean): OrganizationCommand => ({
    ...cmd('owner', { type: 'SetSchedulable', userId: 'ada', schedulable: true }),
    ...(actorTwoFactor === undefined ? {} : { actorTwoFactor }),
  });

  it('R22: members act only with a second factor once the organization requires it', () => {
    given(child).when(mark()).thenTypes(['SchedulableChanged', 'SeatsChanged']);
    given(twoFactorRequired).when(mark()).thenRefuses('two-factor-required');
    given(twoFactorRequired).when(mark(false)).thenRefuses('two-factor-required');
    given(twoFactorRequired).when(mark(true)).thenTypes(['SchedulableChanged', 'SeatsChanged']);
    given(twoFactorRequired)
      .when(acting(cmd('partner-admin', { type: 'SetSchedulable', userId: 'ada', schedulable: true })))
      .thenRefuses('two-factor-required');
  });

  it('R22: leaving, accepting and the system’s reactions need no second factor', () => {
    given(twoFactorRequired)
      .when(cmd('ada', { type: 'LeaveOrganization' }))
      .thenTypes(['MemberLeft']);
    given(twoFactorRequired)
      .when(cmd('system', { type: 'RemoveDeletedUser', userId: 'ada', ownedOrganizationsConfirmed: false }))
      .thenTypes(['MemberLeft']);
    given(twoFactorRequired)
      .when(
        cmd('cid', {
          type: 'AcceptInvitation',
          invitationId: 'none',
          sendSequence: 1,
          userId: 'cid',
          email: 'c@example.com',
        }),
      )
      .thenRefuses('invitation-not-found');
  });

  it('R16/R19: an invitation someone acting through the parent made for their own address does not hold back their auto-join', () => {
    const expiresAt = '2026-11-29T10:00:00.000Z';
    const withOwnInvitation: OrganizationEvent[] = [
      ...child,
      settings({ autoJoin: true }),
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'branch.example' } },
      {
        type: 'InvitationCreated',
        data: {
          ...stamp('partner-admin'),
          invitationId: 'inv-own',
          email: 'pa@branch.example',
          role: 'user',
          teamIds: [],
          permissions: [],
          expiresAt,
        },
      },
      {
        type: 'InvitationSent',
        data: { ...stamp('partner-admin'), invitationId: 'inv-own', sendSequence: 1, expiresAt },
      },
    ];
    const autoJoin = (userId: string) =>
      cmd('system', { type: 'AutoJoinMember', userId, email: 'pa@branch.example', verifiedAt: at });
    // They could not accept it (`own-invitation`): it waits for nobody, and the address joins as any would.
    given(withOwnInvitation).when(autoJoin('partner-admin')).thenTypes(['MemberJoined']);
    // Anyone else verifying that address is left to the invitation.
    given(withOwnInvitation).when(autoJoin('someone-else')).then([]);
  });

  it('R22: auto-joined users of such an organization are asked to enroll', () => {
    const withDomain: OrganizationEvent[] = [
      ...child,
      settings({ requireTwoFactor: true, autoJoin: true }),
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'branch.example' } },
    ];
    given(withDomain)
      .when(
        cmd('system', { type: 'AutoJoinMember', userId: 'new', email: 'new@branch.example', verifiedAt: at }),
      )
      .then([
        {
          type: 'MemberJoined',
          data: {
            ...stamp('system'),
            userId: 'new',
            role: 'user',
            via: 'auto-join',
            twoFactorEnrollmentRequired: true,
          },
        },
      ]);
  });
});
