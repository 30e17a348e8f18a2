import { deciderSpec } from '@app/testing';
import { type PermissionsCatalog } from '@app/permissions';
import { type OrganizationCommand } from './organization.commands';
import { organizationDecider } from './organization.decider';
import { type OrganizationEvent, type TeamRole } from './organization.events';

/** Histories and commands the organization decider's tests share. One organization, `org-1`, owned by `owner`. */

export const at = '2026-11-22T10:00:00.000Z';
export const stamp = (actorId: string, when = at) => ({ orgId: 'org-1', actorId, at: when });

export const { given } = deciderSpec(organizationDecider());
export const givenWith = (catalog: PermissionsCatalog) => deciderSpec(organizationDecider(catalog)).given;

export const created = (plan = 'standard'): OrganizationEvent => ({
  type: 'OrganizationCreated',
  data: { ...stamp('owner'), name: 'Acme', ownerId: 'owner', plan },
});

export const joined = (userId: string, role: 'admin' | 'user' = 'user'): OrganizationEvent => ({
  type: 'MemberJoined',
  data: { ...stamp('system'), userId, role, via: 'invitation' },
});

export const granted = (userId: string, permissions: string[], by = 'owner'): OrganizationEvent => ({
  type: 'PermissionsGranted',
  data: { ...stamp(by), userId, permissions },
});

export const team = (teamId: string, name = teamId): OrganizationEvent => ({
  type: 'TeamCreated',
  data: { ...stamp('owner'), teamId, name },
});

export const inTeam = (teamId: string, userId: string, role: TeamRole = 'member'): OrganizationEvent => ({
  type: 'TeamMemberAdded',
  data: { ...stamp('owner'), teamId, userId, role },
});

export const settings = (
  changes: Partial<Record<'autoJoin' | 'membersMayEditOwnAvailability' | 'requireTwoFactor', boolean>>,
): OrganizationEvent => ({
  type: 'SettingsUpdated',
  data: {
    ...stamp('owner'),
    name: 'Acme',
    autoJoin: false,
    membersMayEditOwnAvailability: true,
    requireTwoFactor: false,
    ...changes,
  },
});

/** Owner `owner`, Admin `admin`, Users `ada` and `bob`. */
export const base: OrganizationEvent[] = [created(), joined('admin', 'admin'), joined('ada'), joined('bob')];

/** A command by `actorId` at `at`: `cmd('owner', { type: 'DeleteTeam', teamId: 't1' })`. */
export function cmd(
  actorId: string,
  command: DistributiveOmit<OrganizationCommand, 'actorId' | 'at'>,
): OrganizationCommand {
  return { ...command, actorId, at } as OrganizationCommand;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
