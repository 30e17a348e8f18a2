import { DomainError, fold } from '@app/domain';
import { organizationDecider, type OrganizationCommand } from './organization.decider';
import { type OrganizationEvent } from './organization.events';
import { type ActiveOrganization } from './organization.state';
import { defaultCatalog, extendCatalog } from './permissions-catalog';

const decider = organizationDecider();
const at = '2026-11-22T10:00:00.000Z';
const stamp = (actorId: string) => ({ orgId: 'org-1', actorId, at });

/** given events -> when command -> then events or the refusal's code. */
function given(events: OrganizationEvent[], d = decider) {
  const state = fold(d, events);
  return {
    when: (command: OrganizationCommand) => {
      try {
        return { events: d.decide(command, state), code: undefined as string | undefined };
      } catch (error) {
        if (error instanceof DomainError)
          return { events: [] as OrganizationEvent[], code: error.code, error };
        throw error;
      }
    },
    state: state as ActiveOrganization,
  };
}

const created: OrganizationEvent = {
  type: 'OrganizationCreated',
  data: { ...stamp('owner'), name: 'Acme', ownerId: 'owner', plan: 'standard' },
};
const joined = (userId: string, role: 'admin' | 'user' = 'user'): OrganizationEvent => ({
  type: 'MemberJoined',
  data: { ...stamp('system'), userId, role, via: 'invitation' },
});
const team = (teamId: string, name = teamId): OrganizationEvent => ({
  type: 'TeamCreated',
  data: { ...stamp('owner'), teamId, name },
});
const inTeam = (
  teamId: string,
  userId: string,
  role: 'manager' | 'member' = 'member',
): OrganizationEvent => ({
  type: 'TeamMemberAdded',
  data: { ...stamp('owner'), teamId, userId, role },
});
const base = [created, joined('admin', 'admin'), joined('ada'), joined('bob')];

describe('organization decider', () => {
  describe('R1 creating an organization', () => {
    it('R1: the creator becomes the Owner and the contact person', () => {
      const { events } = given([]).when({
        type: 'CreateOrganization',
        orgId: 'org-1',
        name: ' Acme ',
        actorId: 'owner',
        at,
      });
      const state = fold(decider, events) as ActiveOrganization;
      expect(events).toEqual([created]);
      expect(state.members.get('owner')?.role).toBe('owner');
      expect(state.contactPersonId).toBe('owner');
    });

    it('R1: creating it again is idempotent; someone else gets a conflict', () => {
      expect(
        given([created]).when({
          type: 'CreateOrganization',
          orgId: 'org-1',
          name: 'Acme',
          actorId: 'owner',
          at,
        }).events,
      ).toEqual([]);
      expect(
        given([created]).when({
          type: 'CreateOrganization',
          orgId: 'org-1',
          name: 'Other',
          actorId: 'eve',
          at,
        }).code,
      ).toBe('organization-exists');
    });

    it('names the field of an invalid name', () => {
      const { error } = given([]).when({
        type: 'CreateOrganization',
        orgId: 'o',
        name: '  ',
        actorId: 'u',
        at,
      });
      expect(error?.details).toEqual({ field: 'name' });
    });
  });

  describe('R2 ownership transfer', () => {
    it('R2: the new Owner becomes Owner and the previous one Admin', () => {
      const { events } = given(base).when({
        type: 'TransferOwnership',
        newOwnerId: 'ada',
        actorId: 'owner',
        at,
      });
      const state = fold(decider, [...base, ...events]) as ActiveOrganization;
      expect(events).toEqual([
        { type: 'OwnershipTransferred', data: { ...stamp('owner'), from: 'owner', to: 'ada' } },
      ]);
      expect(state.members.get('ada')?.role).toBe('owner');
      expect(state.members.get('owner')?.role).toBe('admin');
      expect(state.ownerId).toBe('ada');
    });

    it('R2: team roles of both stay as they were', () => {
      const history = [...base, team('t1'), inTeam('t1', 'owner', 'member'), inTeam('t1', 'ada', 'manager')];
      const { events } = given(history).when({
        type: 'TransferOwnership',
        newOwnerId: 'ada',
        actorId: 'owner',
        at,
      });
      const state = fold(decider, [...history, ...events]) as ActiveOrganization;
      expect([...state.teams.get('t1')!.members]).toEqual([
        ['owner', 'member'],
        ['ada', 'manager'],
      ]);
    });

    it('R2: only the Owner transfers, and only to a member', () => {
      expect(
        given(base).when({ type: 'TransferOwnership', newOwnerId: 'ada', actorId: 'admin', at }).code,
      ).toBe('owner-only');
      expect(
        given(base).when({ type: 'TransferOwnership', newOwnerId: 'stranger', actorId: 'owner', at }).code,
      ).toBe('not-a-member');
    });
  });

  describe('R3/R4 roles', () => {
    it('R3: Owner and Admins change other members between Admin and User', () => {
      expect(
        given(base).when({ type: 'ChangeMemberRole', userId: 'ada', role: 'admin', actorId: 'admin', at })
          .events,
      ).toEqual([
        { type: 'MemberRoleChanged', data: { ...stamp('admin'), userId: 'ada', from: 'user', to: 'admin' } },
      ]);
    });

    it('R3: nobody changes their own role', () => {
      expect(
        given(base).when({ type: 'ChangeMemberRole', userId: 'admin', role: 'user', actorId: 'admin', at })
          .code,
      ).toBe('cannot-change-own-role');
    });

    it('R3: nobody sets or removes the Owner role except by transfer', () => {
      expect(
        given(base).when({ type: 'ChangeMemberRole', userId: 'owner', role: 'user', actorId: 'admin', at })
          .code,
      ).toBe('owner-required');
    });

    it('R3: a User changes nobody’s role', () => {
      expect(
        given(base).when({ type: 'ChangeMemberRole', userId: 'bob', role: 'admin', actorId: 'ada', at }).code,
      ).toBe('insufficient-role');
    });

    it('R4: demoting an Admin to User changes nothing in their team roles', () => {
      const history = [...base, team('t1'), inTeam('t1', 'admin', 'manager')];
      const { events } = given(history).when({
        type: 'ChangeMemberRole',
        userId: 'admin',
        role: 'user',
        actorId: 'owner',
        at,
      });
      const state = fold(decider, [...history, ...events]) as ActiveOrganization;
      expect(state.teams.get('t1')!.members.get('admin')).toBe('manager');
    });
  });

  describe('R20 permissions', () => {
    it('R20: granting without prerequisites is rejected, naming what is missing', () => {
      const { code, error } = given(base).when({
        type: 'GrantPermissions',
        userId: 'ada',
        permissions: ['teams.create'],
        actorId: 'owner',
        at,
      });
      expect(code).toBe('permission-prerequisite-missing');
      expect(error?.details).toEqual({ permission: 'teams.create', missing: ['teams.manage'] });
    });

    it('R20: granting a permission with its prerequisites in the same command succeeds', () => {
      const { events } = given(base).when({
        type: 'GrantPermissions',
        userId: 'ada',
        permissions: ['teams.create', 'teams.manage'],
        actorId: 'owner',
        at,
      });
      expect(events).toEqual([
        {
          type: 'PermissionsGranted',
          data: { ...stamp('owner'), userId: 'ada', permissions: ['teams.create', 'teams.manage'] },
        },
      ]);
    });

    it('R20: the plan bounds what may be granted at all', () => {
      const free: OrganizationEvent = {
        type: 'OrganizationCreated',
        data: { ...stamp('owner'), name: 'Free', ownerId: 'owner', plan: 'free' },
      };
      expect(
        given([free, joined('ada')]).when({
          type: 'GrantPermissions',
          userId: 'ada',
          permissions: ['audit.read'],
          actorId: 'owner',
          at,
        }).code,
      ).toBe('permission-not-in-plan');
    });

    it('R20: operator-defined permissions take part, with their prerequisites', () => {
      const custom = organizationDecider(
        extendCatalog(defaultCatalog, {
          'environments.read': [],
          'environments.admin': ['environments.read'],
        }),
      );
      expect(
        given(base, custom).when({
          type: 'GrantPermissions',
          userId: 'ada',
          permissions: ['environments.admin'],
          actorId: 'owner',
          at,
        }).error?.details,
      ).toEqual({
        permission: 'environments.admin',
        missing: ['environments.read'],
      });
      expect(
        given(base).when({
          type: 'GrantPermissions',
          userId: 'ada',
          permissions: ['environments.admin'],
          actorId: 'owner',
          at,
        }).code,
      ).toBe('unknown-permission');
    });

    it('R20: a prerequisite that another grant needs cannot be revoked; demotion revokes grants it orphans', () => {
      const granted: OrganizationEvent = {
        type: 'PermissionsGranted',
        data: { ...stamp('owner'), userId: 'ada', permissions: ['teams.create', 'teams.manage'] },
      };
      expect(
        given([...base, granted]).when({
          type: 'RevokePermissions',
          userId: 'ada',
          permissions: ['teams.manage'],
          actorId: 'owner',
          at,
        }).code,
      ).toBe('permission-required-by-other-grant');
      const adminGrant: OrganizationEvent = {
        type: 'PermissionsGranted',
        data: { ...stamp('owner'), userId: 'admin', permissions: ['teams.create'] },
      };
      const { events } = given([...base, adminGrant]).when({
        type: 'ChangeMemberRole',
        userId: 'admin',
        role: 'user',
        actorId: 'owner',
        at,
      });
      expect(events.map((e) => e.type)).toEqual(['MemberRoleChanged', 'PermissionsRevoked']);
      expect(events[1]!.data).toMatchObject({ userId: 'admin', permissions: ['teams.create'] });
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
      const { events } = given(history).when({ type: 'RemoveMember', userId: 'bob', actorId: 'admin', at });
      expect(events.map((e) => `${e.type}:${'teamId' in e.data ? e.data.teamId : ''}`)).toEqual([
        'TeamMemberRemoved:solo',
        'TeamMemberRemoved:pair',
        'MemberRemoved:',
        'TeamDeleted:solo',
      ]);
      const state = fold(decider, [...history, ...events]) as ActiveOrganization;
      expect(state.members.has('bob')).toBe(false);
      expect([...state.teams.keys()]).toEqual(['pair']);
    });

    it('R8: the Owner cannot be removed; a User removes nobody', () => {
      expect(given(base).when({ type: 'RemoveMember', userId: 'owner', actorId: 'admin', at }).code).toBe(
        'cannot-remove-owner',
      );
      expect(given(base).when({ type: 'RemoveMember', userId: 'bob', actorId: 'ada', at }).code).toBe(
        'insufficient-role',
      );
    });

    it('R9: a member leaves; the Owner must transfer ownership first', () => {
      expect(
        given(base)
          .when({ type: 'LeaveOrganization', actorId: 'ada', at })
          .events.map((e) => e.type),
      ).toEqual(['MemberLeft']);
      expect(given(base).when({ type: 'LeaveOrganization', actorId: 'owner', at }).code).toBe(
        'owner-cannot-leave',
      );
    });
  });

  describe('R10 deletion', () => {
    it('R10: only the Owner deletes; teams are disbanded and seats drop to zero', () => {
      const schedulable: OrganizationEvent = {
        type: 'SchedulableChanged',
        data: { ...stamp('owner'), userId: 'ada', schedulable: true },
      };
      const seats: OrganizationEvent = { type: 'SeatsChanged', data: { ...stamp('owner'), seats: 1 } };
      const history = [...base, team('t1'), schedulable, seats];
      expect(given(history).when({ type: 'DeleteOrganization', actorId: 'admin', at }).code).toBe(
        'owner-only',
      );
      const { events } = given(history).when({ type: 'DeleteOrganization', actorId: 'owner', at });
      expect(events.map((e) => e.type)).toEqual(['TeamDeleted', 'SeatsChanged', 'OrganizationDeleted']);
      const after = fold(decider, [...history, ...events]);
      expect(after.status).toBe('deleted');
      expect(
        given([...history, ...events]).when({
          type: 'CreateTeam',
          teamId: 'x',
          name: 'x',
          actorId: 'owner',
          at,
        }).code,
      ).toBe('organization-deleted');
    });
  });

  describe('R10 account deletion', () => {
    const owned = [created, joined('ada'), team('t1'), inTeam('t1', 'ada')];
    it('R10: a deleted user who is not the owner leaves, out of every team', () => {
      const { events } = given(owned).when({
        type: 'RemoveDeletedUser',
        userId: 'ada',
        ownedOrganizationsConfirmed: false,
        actorId: 'system',
        at,
      });
      expect(events.map((e) => e.type)).toEqual(['TeamMemberRemoved', 'MemberLeft', 'TeamDeleted']);
    });

    it('R10: a deleted owner’s organization is deleted only with the confirmation', () => {
      expect(
        given(owned).when({
          type: 'RemoveDeletedUser',
          userId: 'owner',
          ownedOrganizationsConfirmed: false,
          actorId: 'system',
          at,
        }).code,
      ).toBe('owned-organizations-confirmation-required');
      const { events } = given(owned).when({
        type: 'RemoveDeletedUser',
        userId: 'owner',
        ownedOrganizationsConfirmed: true,
        actorId: 'system',
        at,
      });
      expect(events.map((e) => e.type)).toEqual(['TeamDeleted', 'OrganizationDeleted']);
    });

    it('R10: only the system reacts to deleted accounts', () => {
      expect(
        given(owned).when({
          type: 'RemoveDeletedUser',
          userId: 'ada',
          ownedOrganizationsConfirmed: true,
          actorId: 'owner',
          at,
        }).code,
      ).toBe('forbidden');
    });
  });

  describe('R11/R12 teams', () => {
    it('R11: a User cannot create teams, but manages the teams they manage', () => {
      const history = [...base, team('t1'), inTeam('t1', 'ada', 'manager')];
      expect(
        given(history).when({ type: 'CreateTeam', teamId: 't2', name: 'T2', actorId: 'ada', at }).code,
      ).toBe('insufficient-role');
      expect(
        given(history).when({ type: 'RenameTeam', teamId: 't1', name: 'Renamed', actorId: 'ada', at }).events,
      ).toHaveLength(1);
      expect(
        given(history).when({
          type: 'AddTeamMember',
          teamId: 't1',
          userId: 'bob',
          role: 'member',
          actorId: 'ada',
          at,
        }).events,
      ).toHaveLength(1);
      expect(given(history).when({ type: 'DeleteTeam', teamId: 't1', actorId: 'ada', at }).code).toBe(
        'insufficient-role',
      );
      expect(
        given(history).when({ type: 'RenameTeam', teamId: 't1', name: 'X', actorId: 'bob', at }).code,
      ).toBe('insufficient-role');
    });

    it('R12: only members of the organization can be in its teams', () => {
      expect(
        given([...base, team('t1')]).when({
          type: 'AddTeamMember',
          teamId: 't1',
          userId: 'stranger',
          role: 'member',
          actorId: 'owner',
          at,
        }).code,
      ).toBe('not-a-member');
    });

    it('R11: team names are unique, case-insensitively', () => {
      expect(
        given([...base, team('t1', 'Sales')]).when({
          type: 'CreateTeam',
          teamId: 't2',
          name: 'sales',
          actorId: 'owner',
          at,
        }).code,
      ).toBe('team-name-taken');
    });
  });

  describe('R15 seats', () => {
    it('R15: every change of the billable seat count is an event with the new count', () => {
      const { events } = given(base).when({
        type: 'SetSchedulable',
        userId: 'ada',
        schedulable: true,
        actorId: 'admin',
        at,
      });
      expect(events).toEqual([
        { type: 'SchedulableChanged', data: { ...stamp('admin'), userId: 'ada', schedulable: true } },
        { type: 'SeatsChanged', data: { ...stamp('admin'), seats: 1 } },
      ]);
      const history = [...base, ...events];
      expect(
        given(history).when({ type: 'RemoveMember', userId: 'ada', actorId: 'admin', at }).events.at(-1),
      ).toEqual({
        type: 'SeatsChanged',
        data: { ...stamp('admin'), seats: 0 },
      });
      expect(
        given(history).when({
          type: 'SetSchedulable',
          userId: 'ada',
          schedulable: true,
          actorId: 'admin',
          at,
        }).events,
      ).toEqual([]);
    });
  });
});
