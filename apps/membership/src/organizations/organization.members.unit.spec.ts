import { type ActiveOrganization } from './organization.state';
import {
  at,
  base,
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
import { type OrganizationEvent } from './organization.events';
import { defaultCatalog, extendCatalog } from '@app/permissions';

describe('members and roles', () => {
  describe('R1 creating an organization', () => {
    it('R1: the creator becomes the Owner and the contact person', () => {
      const state = given([])
        .when(cmd('owner', { type: 'CreateOrganization', orgId: 'org-1', name: ' Acme ' }))
        .then([created()])
        .state() as ActiveOrganization;
      expect(state.members.get('owner')?.role).toBe('owner');
      expect(state.contactPersonId).toBe('owner');
      expect(state.plan).toBe('standard');
    });

    it('R1: creating it again is an idempotent no-op; someone else, or another name, is a conflict', () => {
      given([created()])
        .when(cmd('owner', { type: 'CreateOrganization', orgId: 'org-1', name: 'Acme' }))
        .then([]);
      given([created()])
        .when(cmd('eve', { type: 'CreateOrganization', orgId: 'org-1', name: 'Acme' }))
        .thenRefuses('organization-exists');
      given([created()])
        .when(cmd('owner', { type: 'CreateOrganization', orgId: 'org-1', name: 'Other' }))
        .thenRefuses('organization-exists');
    });

    it('R1: re-creating a deleted organization with the same id is a conflict, not a silent success', () => {
      const deleted = given(base)
        .when(cmd('owner', { type: 'DeleteOrganization' }))
        .decided();
      given([...base, ...deleted])
        .when(cmd('owner', { type: 'CreateOrganization', orgId: 'org-1', name: 'Acme' }))
        .thenRefuses('organization-deleted');
    });

    it('names the field of an invalid name, and refuses an unknown plan', () => {
      given([])
        .when(cmd('u', { type: 'CreateOrganization', orgId: 'o', name: '  ' }))
        .thenRefuses('invalid-name', { field: 'name' });
      given([])
        .when(cmd('u', { type: 'CreateOrganization', orgId: 'o', name: 'x'.repeat(201) }))
        .thenRefuses('invalid-name');
      given([])
        .when(cmd('u', { type: 'CreateOrganization', orgId: 'o', name: 'x'.repeat(200), plan: 'toString' }))
        .thenRefuses('unknown-plan', { field: 'plan' });
      given([])
        .when(cmd('u', { type: 'CreateOrganization', orgId: 'o', name: 'Free', plan: 'free' }))
        .thenTypes(['OrganizationCreated']);
    });

    it('every other command needs an existing organization', () => {
      given([])
        .when(cmd('owner', { type: 'LeaveOrganization' }))
        .thenRefuses('organization-not-found');
    });
  });

  describe('system-only commands (never from a message)', () => {
    it('admitting a member directly is the system’s; a member joins once', () => {
      given(base)
        .when(cmd('system', { type: 'AdmitMember', userId: 'cid', role: 'admin', via: 'invitation' }))
        .then([
          {
            type: 'MemberJoined',
            data: { ...stamp('system'), userId: 'cid', role: 'admin', via: 'invitation' },
          },
        ]);
      given(base)
        .when(cmd('system', { type: 'AdmitMember', userId: 'ada', role: 'admin', via: 'invitation' }))
        .then([]);
      // The hole: a caller naming themselves as the admitted user.
      given(base)
        .when(cmd('eve', { type: 'AdmitMember', userId: 'eve', role: 'admin', via: 'invitation' }))
        .thenRefuses('system-only');
      given(base)
        .when(cmd('owner', { type: 'AdmitMember', userId: 'eve', role: 'user', via: 'invitation' }))
        .thenRefuses('system-only');
    });
  });

  describe('R2 ownership transfer', () => {
    it('R2: the new Owner becomes Owner and the previous one Admin; team roles stay', () => {
      const history = [...base, team('t1'), inTeam('t1', 'owner', 'member'), inTeam('t1', 'ada', 'manager')];
      const state = given(history)
        .when(cmd('owner', { type: 'TransferOwnership', newOwnerId: 'ada' }))
        .then([{ type: 'OwnershipTransferred', data: { ...stamp('owner'), from: 'owner', to: 'ada' } }])
        .state() as ActiveOrganization;
      expect(state.members.get('ada')?.role).toBe('owner');
      expect(state.members.get('owner')?.role).toBe('admin');
      expect(state.ownerId).toBe('ada');
      expect([...state.teams.get('t1')!.members]).toEqual([
        ['owner', 'member'],
        ['ada', 'manager'],
      ]);
    });

    it('R2: only the Owner transfers, only to another member; to themself it is refused, naming newOwnerId', () => {
      given(base)
        .when(cmd('admin', { type: 'TransferOwnership', newOwnerId: 'ada' }))
        .thenRefuses('owner-only');
      given(base)
        .when(cmd('owner', { type: 'TransferOwnership', newOwnerId: 'stranger' }))
        .thenRefuses('not-a-member');
      given(base)
        .when(cmd('owner', { type: 'TransferOwnership', newOwnerId: 'owner' }))
        .thenRefuses('already-owner', { field: 'newOwnerId' });
    });

    it('R2: ownership goes to an active member: a locked account is refused, naming newOwnerId', () => {
      given(base)
        .when(cmd('owner', { type: 'TransferOwnership', newOwnerId: 'ada', newOwnerLocked: true }))
        .thenRefuses('new-owner-locked', { field: 'newOwnerId' });
      // Who is not a member is told that first: a lock says nothing about them to this organization.
      given(base)
        .when(cmd('owner', { type: 'TransferOwnership', newOwnerId: 'stranger', newOwnerLocked: true }))
        .thenRefuses('not-a-member');
      given(base)
        .when(cmd('admin', { type: 'TransferOwnership', newOwnerId: 'ada', newOwnerLocked: true }))
        .thenRefuses('owner-only');
    });

    it('R20: the previous Owner, now Admin, loses grants whose prerequisites only the Owner role gave', () => {
      // An operator's permission that requires an Owner-only one; a grant recorded before the catalog said so.
      const catalog = extendCatalog(defaultCatalog, { 'vault.open': { requires: ['org.delete'] } });
      const history = [...base, granted('owner', ['vault.open'])];
      givenWith(catalog)(history)
        .when(cmd('owner', { type: 'TransferOwnership', newOwnerId: 'admin' }))
        .then([
          { type: 'OwnershipTransferred', data: { ...stamp('owner'), from: 'owner', to: 'admin' } },
          {
            type: 'PermissionsRevoked',
            data: { ...stamp('owner'), userId: 'owner', permissions: ['vault.open'] },
          },
        ]);
    });
  });

  describe('R3/R4 roles', () => {
    it('R3: Owner and Admins change other members between Admin and User', () => {
      given(base)
        .when(cmd('admin', { type: 'ChangeMemberRole', userId: 'ada', role: 'admin' }))
        .then([
          {
            type: 'MemberRoleChanged',
            data: { ...stamp('admin'), userId: 'ada', from: 'user', to: 'admin' },
          },
        ]);
      given(base)
        .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .thenTypes(['MemberRoleChanged']);
      given(base)
        .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'ada', role: 'user' }))
        .then([]);
    });

    it('R3: nobody changes their own role; the Owner role changes only by transfer; strangers are not found', () => {
      given(base)
        .when(cmd('admin', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .thenRefuses('cannot-change-own-role');
      given(base)
        .when(cmd('admin', { type: 'ChangeMemberRole', userId: 'owner', role: 'user' }))
        .thenRefuses('owner-required');
      given(base)
        .when(cmd('admin', { type: 'ChangeMemberRole', userId: 'nobody', role: 'user' }))
        .thenRefuses('not-a-member');
    });

    it('R3: a User changes nobody’s role, and members.changeRole cannot be granted to a User', () => {
      given(base)
        .when(cmd('ada', { type: 'ChangeMemberRole', userId: 'bob', role: 'admin' }))
        .thenRefuses('insufficient-permission', { required: 'members.changeRole' });
      given(base)
        .when(
          cmd('owner', {
            type: 'GrantPermissions',
            userId: 'ada',
            permissions: ['members.read', 'members.changeRole'],
          }),
        )
        .thenRefuses('permission-requires-role', { permission: 'members.changeRole', minimumRole: 'admin' });
    });

    it('R4: demoting an Admin to User changes nothing in their team roles', () => {
      const history = [...base, team('t1'), inTeam('t1', 'admin', 'manager')];
      const state = given(history)
        .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .state() as ActiveOrganization;
      expect(state.teams.get('t1')!.members.get('admin')).toBe('manager');
    });

    it('R20: a demotion revokes the grants the new role may not hold or lacks prerequisites for', () => {
      const history = [...base, granted('admin', ['teams.create', 'org.billing'])];
      given(history)
        .when(cmd('owner', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .then([
          {
            type: 'MemberRoleChanged',
            data: { ...stamp('owner'), userId: 'admin', from: 'admin', to: 'user' },
          },
          {
            type: 'PermissionsRevoked',
            data: { ...stamp('owner'), userId: 'admin', permissions: ['org.billing', 'teams.create'] },
          },
        ]);
    });

    it('R20: an Admin cannot take away, by demoting, a grant they could not revoke; one they hold goes with the change', () => {
      const history = [...base, joined('second', 'admin'), granted('admin', ['org.billing'])];
      given(history)
        .when(cmd('second', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .thenRefuses('cannot-grant-permission', { permission: 'org.billing' });
      given([...history, granted('second', ['org.billing'])])
        .when(cmd('second', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .then([
          {
            type: 'MemberRoleChanged',
            data: { ...stamp('second'), userId: 'admin', from: 'admin', to: 'user' },
          },
          {
            type: 'PermissionsRevoked',
            data: { ...stamp('second'), userId: 'admin', permissions: ['org.billing'] },
          },
        ]);
      // An Admin without grants the new role cannot keep is demoted by any Admin.
      given([...base, joined('second', 'admin')])
        .when(cmd('second', { type: 'ChangeMemberRole', userId: 'admin', role: 'user' }))
        .then([
          {
            type: 'MemberRoleChanged',
            data: { ...stamp('second'), userId: 'admin', from: 'admin', to: 'user' },
          },
        ]);
    });
  });

  describe('R8/R9 removal and leaving', () => {
    it('R8: removal takes the member out of every team, and a team left empty is deleted', () => {
      const history = [
        ...base,
        team('solo'),
        team('pair'),
        inTeam('solo', 'bob'),
        inTeam('pair', 'bob'),
        inTeam('pair', 'ada'),
      ];
      const events = given(history)
        .when(cmd('admin', { type: 'RemoveMember', userId: 'bob' }))
        .decided();
      expect(events.map((e) => `${e.type}:${'teamId' in e.data ? e.data.teamId : ''}`)).toEqual([
        'TeamMemberRemoved:solo',
        'TeamMemberRemoved:pair',
        'MemberRemoved:',
        'TeamDeleted:solo',
      ]);
      const state = given(history)
        .when(cmd('admin', { type: 'RemoveMember', userId: 'bob' }))
        .state() as ActiveOrganization;
      expect(state.members.has('bob')).toBe(false);
      expect([...state.teams.keys()]).toEqual(['pair']);
    });

    it('R8: the Owner cannot be removed; a User removes nobody; removing a non-member is a no-op', () => {
      given(base)
        .when(cmd('admin', { type: 'RemoveMember', userId: 'owner' }))
        .thenRefuses('cannot-remove-owner');
      given(base)
        .when(cmd('ada', { type: 'RemoveMember', userId: 'bob' }))
        .thenRefuses('insufficient-permission', { required: 'members.remove' });
      given(base)
        .when(cmd('admin', { type: 'RemoveMember', userId: 'nobody' }))
        .then([]);
    });

    it('R3, R9: nobody removes themself: going is leaving, recorded as such', () => {
      given(base)
        .when(cmd('admin', { type: 'RemoveMember', userId: 'admin' }))
        .thenRefuses('cannot-remove-self');
      // The Owner is told why first: the Owner is never removed, and leaves only after a transfer.
      given(base)
        .when(cmd('owner', { type: 'RemoveMember', userId: 'owner' }))
        .thenRefuses('cannot-remove-owner');
      given([...base, granted('ada', ['members.read', 'members.remove'])])
        .when(cmd('ada', { type: 'RemoveMember', userId: 'ada' }))
        .thenRefuses('cannot-remove-self');
      given(base)
        .when(cmd('admin', { type: 'LeaveOrganization' }))
        .thenTypes(['MemberLeft']);
    });

    it('R8: a User holding members.remove removes Users, never an Admin', () => {
      const history = [...base, granted('ada', ['members.read', 'members.remove'])];
      given(history)
        .when(cmd('ada', { type: 'RemoveMember', userId: 'bob' }))
        .thenTypes(['MemberRemoved']);
      given(history)
        .when(cmd('ada', { type: 'RemoveMember', userId: 'admin' }))
        .thenRefuses('member-above-own-role', { userId: 'admin' });
    });

    it('R8/R15: removing a schedulable member updates the seats', () => {
      const history = [
        ...base,
        ...given(base)
          .when(cmd('admin', { type: 'SetSchedulable', userId: 'ada', schedulable: true }))
          .decided(),
      ];
      expect(
        given(history)
          .when(cmd('admin', { type: 'RemoveMember', userId: 'ada' }))
          .decided()
          .at(-1),
      ).toEqual({
        type: 'SeatsChanged',
        data: { ...stamp('admin'), seats: 0 },
      });
    });

    it('R9: a member leaves; the Owner must transfer ownership first; a stranger leaving is a no-op', () => {
      given(base)
        .when(cmd('ada', { type: 'LeaveOrganization' }))
        .then([{ type: 'MemberLeft', data: { ...stamp('ada'), userId: 'ada' } }]);
      given(base)
        .when(cmd('owner', { type: 'LeaveOrganization' }))
        .thenRefuses('owner-cannot-leave');
      given(base)
        .when(cmd('nobody', { type: 'LeaveOrganization' }))
        .then([]);
    });
  });

  describe('R10 account deletion (a system reaction)', () => {
    const owned = [created(), joined('ada'), team('t1'), inTeam('t1', 'ada')];

    it('R10: a deleted user who is not the owner leaves, out of every team', () => {
      given(owned)
        .when(cmd('system', { type: 'RemoveDeletedUser', userId: 'ada', ownedOrganizationsConfirmed: false }))
        .thenTypes(['TeamMemberRemoved', 'MemberLeft', 'TeamDeleted']);
      given(owned)
        .when(
          cmd('system', { type: 'RemoveDeletedUser', userId: 'nobody', ownedOrganizationsConfirmed: false }),
        )
        .then([]);
    });

    it('R10: a deleted owner’s organization is deleted with the confirmation, saying whose account took it (R21)', () => {
      const deleted = given(owned)
        .when(
          cmd('system', { type: 'RemoveDeletedUser', userId: 'owner', ownedOrganizationsConfirmed: true }),
        )
        .thenTypes(['TeamDeleted', 'OrganizationDeleted'])
        .decided();
      expect(deleted.at(-1)!.data).toEqual({
        ...stamp('system'),
        reason: 'owner-account-deleted',
        ownerId: 'owner',
      });
      // Deleted by its Owner, it says nothing more than who and when.
      expect(
        given(owned)
          .when(cmd('owner', { type: 'DeleteOrganization' }))
          .decided()
          .at(-1)!.data,
      ).toEqual(stamp('owner'));
    });

    it('R1/R10: without it (identity decided before it knew of this organization) it is neither deleted nor left to a deleted owner', () => {
      const joinedAt = (userId: string, role: 'admin' | 'user', when: string): OrganizationEvent => ({
        type: 'MemberJoined',
        data: { ...stamp('system', when), userId, role, via: 'invitation' },
      });
      const history = [
        created(),
        joinedAt('ulf', 'user', '2026-11-22T09:00:00.000Z'),
        joinedAt('bea', 'admin', '2026-11-22T11:00:00.000Z'),
        joinedAt('abe', 'admin', '2026-11-22T12:00:00.000Z'),
      ];
      const last = '2026-11-22T12:00:00.000Z';
      const state = given(history)
        .when(
          cmd('system', { type: 'RemoveDeletedUser', userId: 'owner', ownedOrganizationsConfirmed: false }),
        )
        .then([
          { type: 'OwnershipTransferred', data: { ...stamp('system', last), from: 'owner', to: 'bea' } },
          { type: 'MemberLeft', data: { ...stamp('system', last), userId: 'owner' } },
        ])
        .state() as ActiveOrganization;
      expect(state.ownerId).toBe('bea');
      expect(state.members.has('owner')).toBe(false);
      given([created(), joinedAt('ulf', 'user', at)])
        .when(
          cmd('system', { type: 'RemoveDeletedUser', userId: 'owner', ownedOrganizationsConfirmed: false }),
        )
        .thenTypes(['OwnershipTransferred', 'MemberLeft']);
      given([created()])
        .when(
          cmd('system', { type: 'RemoveDeletedUser', userId: 'owner', ownedOrganizationsConfirmed: false }),
        )
        .then([
          {
            type: 'OrganizationDeleted',
            data: { ...stamp('system'), reason: 'owner-account-deleted', ownerId: 'owner' },
          },
        ]);
    });

    it('R10: only the system reacts to deleted accounts', () => {
      given(owned)
        .when(cmd('owner', { type: 'RemoveDeletedUser', userId: 'ada', ownedOrganizationsConfirmed: true }))
        .thenRefuses('system-only');
    });
  });

  describe('R15 seats', () => {
    it('R15: every change of the billable seat count is an event with the new count', () => {
      const events = given(base)
        .when(cmd('admin', { type: 'SetSchedulable', userId: 'ada', schedulable: true }))
        .then([
          { type: 'SchedulableChanged', data: { ...stamp('admin'), userId: 'ada', schedulable: true } },
          { type: 'SeatsChanged', data: { ...stamp('admin'), seats: 1 } },
        ])
        .decided();
      const history = [...base, ...events];
      given(history)
        .when(cmd('admin', { type: 'SetSchedulable', userId: 'ada', schedulable: true }))
        .then([]);
      given(history)
        .when(cmd('owner', { type: 'SetSchedulable', userId: 'ada', schedulable: false }))
        .then([
          { type: 'SchedulableChanged', data: { ...stamp('owner'), userId: 'ada', schedulable: false } },
          { type: 'SeatsChanged', data: { ...stamp('owner'), seats: 0 } },
        ]);
    });

    it('R15: a User marks nobody schedulable; a stranger cannot be marked', () => {
      given(base)
        .when(cmd('ada', { type: 'SetSchedulable', userId: 'ada', schedulable: true }))
        .thenRefuses('insufficient-role');
      given(base)
        .when(cmd('owner', { type: 'SetSchedulable', userId: 'nobody', schedulable: true }))
        .thenRefuses('not-a-member');
    });
  });

  describe('R14 availability', () => {
    const weekly = [{ day: 1, from: '09:00', to: '17:00' }];
    const availability = (userId: string, actorId: string) =>
      cmd(actorId, { type: 'SetAvailability', userId, available: true, weekly });
    const locked = [
      ...base,
      {
        type: 'SettingsUpdated',
        data: {
          ...stamp('owner'),
          name: 'Acme',
          autoJoin: false,
          membersMayEditOwnAvailability: false,
          requireTwoFactor: false,
        },
      } as OrganizationEvent,
    ];

    it('R14: a member changes their own availability when the organization allows it', () => {
      const state = given(base)
        .when(availability('ada', 'ada'))
        .then([
          { type: 'AvailabilityChanged', data: { ...stamp('ada'), userId: 'ada', available: true, weekly } },
        ])
        .state() as ActiveOrganization;
      expect(state.members.get('ada')?.availability).toEqual({ available: true, weekly });
      given([...base, ...given(base).when(availability('ada', 'ada')).decided()])
        .when(availability('ada', 'ada'))
        .then([]);
    });

    it('R14: when it does not, only Owner and Admins (or holders of availability.editOwn) change it', () => {
      given(locked).when(availability('ada', 'ada')).thenRefuses('availability-locked');
      given(locked).when(availability('ada', 'admin')).thenTypes(['AvailabilityChanged']);
      given(locked).when(availability('ada', 'owner')).thenTypes(['AvailabilityChanged']);
      given([...locked, granted('ada', ['availability.editOwn'])])
        .when(availability('ada', 'ada'))
        .thenTypes(['AvailabilityChanged']);
    });

    it('R14: a User never sets someone else’s availability; strangers have none', () => {
      given(base).when(availability('bob', 'ada')).thenRefuses('insufficient-role');
      // R13: the same answer for a non-member, so it does not tell a User who is a member.
      given(base).when(availability('nobody', 'ada')).thenRefuses('insufficient-role');
      given(base).when(availability('nobody', 'owner')).thenRefuses('not-a-member');
      given(base).when(availability('ada', 'nobody')).thenRefuses('not-a-member');
    });

    it('R14: a malformed weekly slot names the field', () => {
      for (const slot of [
        { day: 9, from: '09:00', to: '17:00' },
        { day: -1, from: '09:00', to: '17:00' },
        { day: 1.5, from: '09:00', to: '17:00' },
        { day: 1, from: '9:00', to: '17:00' },
        { day: 1, from: '09:00', to: '24:00' },
        { day: 1, from: '10:00', to: '09:00' },
        { day: 1, from: '10:00', to: '10:00' },
      ]) {
        given(base)
          .when(cmd('ada', { type: 'SetAvailability', userId: 'ada', available: true, weekly: [slot] }))
          .thenRefuses('validation-failed', { field: 'weekly' });
      }
    });

    it('R14: Sunday (0) to Saturday (6), whole HH:MM times only; each of the switch and the week is a change', () => {
      const set = (slot: { day: number; from: string; to: string }, available = true) =>
        cmd('ada', { type: 'SetAvailability', userId: 'ada', available, weekly: [slot] });
      given(base)
        .when(set({ day: 0, from: '00:00', to: '23:59' }))
        .thenTypes(['AvailabilityChanged']);
      given(base)
        .when(set({ day: 6, from: '19:05', to: '20:00' }))
        .thenTypes(['AvailabilityChanged']);
      given(base)
        .when(set({ day: 7, from: '09:00', to: '17:00' }))
        .thenRefuses('validation-failed');
      for (const [from, to] of [
        ['x09:00', '17:00'],
        ['09:00', '17:00x'],
        ['09:60', '17:00'],
      ] as const)
        given(base)
          .when(set({ day: 1, from, to }))
          .thenRefuses('validation-failed', { field: 'weekly' });

      const monday = { day: 1, from: '09:00', to: '17:00' };
      const history = [...base, ...given(base).when(set(monday)).decided()];
      given(history).when(set(monday)).then([]);
      given(history).when(set(monday, false)).thenTypes(['AvailabilityChanged']);
      given(history)
        .when(set({ ...monday, to: '18:00' }))
        .thenTypes(['AvailabilityChanged']);
    });
  });

  describe('R17 admin-triggered password reset', () => {
    it('R17: Owner and Admins request a reset for a member at or below them; others cannot', () => {
      given(base)
        .when(cmd('admin', { type: 'RequestPasswordReset', userId: 'ada' }))
        .then([{ type: 'PasswordResetRequested', data: { ...stamp('admin'), userId: 'ada' } }]);
      given(base)
        .when(cmd('ada', { type: 'RequestPasswordReset', userId: 'bob' }))
        .thenRefuses('insufficient-role');
      given(base)
        .when(cmd('admin', { type: 'RequestPasswordReset', userId: 'owner' }))
        .thenRefuses('member-above-own-role');
      given(base)
        .when(cmd('owner', { type: 'RequestPasswordReset', userId: 'stranger' }))
        .thenRefuses('not-a-member');
    });
  });

  describe('R21 time never runs backwards within a stream', () => {
    it('a command stamped before the newest event is recorded at the newest event’s time', () => {
      const late = {
        ...joined('cid'),
        data: { ...joined('cid').data, at: '2026-11-23T00:00:00.000Z' },
      } as OrganizationEvent;
      const [event] = given([...base, late])
        .when({ type: 'LeaveOrganization', actorId: 'ada', at })
        .decided();
      expect(event!.data.at).toBe('2026-11-23T00:00:00.000Z');
    });
  });
});
