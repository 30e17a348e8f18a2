import {
  grantsLackingPrerequisites,
  isKnownPermission,
  rankOf,
  type PermissionsCatalog,
  type Role,
} from '@app/permissions';
import { type CommandOf } from '../organization.commands';
import { type OrganizationEvent } from '../organization.events';
import { billableSeats, type ActiveOrganization, type Member } from '../organization.state';
import {
  assertGrantable,
  holds,
  memberOf,
  refuse,
  requireActor,
  requireNotAbove,
  requirePermission,
  requireRole,
  requireRoleNotAbove,
  requireSystem,
  type Decision,
  type Stamp,
} from './guards';
import { awaitsAcceptance } from './invitations';
import { dissolution } from './settings';
import { isPublicMailDomain } from '../public-mail-domains';

/** Members and roles: joining, roles (R2, R3, R4), permissions (R20), seats (R15), removal and leaving (R8, R9, R10). */

export function admitMember({
  command,
  org,
  stamp,
}: Decision<CommandOf<'AdmitMember'>>): OrganizationEvent[] {
  // Members join through an invitation or auto-join; admitting directly is the system's (seeding, operators).
  requireSystem(command, 'admitting a member directly');
  if (org.members.has(command.userId)) return [];
  return [
    {
      type: 'MemberJoined',
      data: { ...stamp, userId: command.userId, role: command.role, via: command.via },
    },
  ];
}

export function autoJoinMember({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'AutoJoinMember'>>): OrganizationEvent[] {
  // R16/R18: a verified address at a claimed domain joins as User when auto-join is on; R22: asked to enroll.
  requireSystem(command, 'auto-join');
  const domain = command.email.split('@')[1]?.toLowerCase();
  const claimedAt = domain ? org.domains.get(domain) : undefined;
  if (!org.autoJoin || !domain || claimedAt === undefined || org.members.has(command.userId)) return [];
  // At the moment of verifying: an address verified before the claim, or before auto-join was turned on, is invited
  // as anyone's is, however late its reaction comes (a consumer lagging, or replaying identity's history).
  const verifiedAt = Date.parse(command.verifiedAt);
  if (verifiedAt < Date.parse(claimedAt) || verifiedAt < Date.parse(org.autoJoinSince ?? claimedAt))
    return [];
  // Someone removed (or who left) comes back by invitation, not by verifying another address at the domain.
  if (org.formerMembers.has(command.userId)) return [];
  // A public mail provider's domain claimed before claims were checked for it enrols nobody.
  if (isPublicMailDomain(domain)) return [];
  // Invited at that address (verifying it is how an existing account gets to accept): joining as a plain User now
  // would leave the invitation's role, teams and permissions unacceptable (`already-member`).
  if (
    awaitsAcceptance(org, catalog, { userId: command.userId, email: command.email.toLowerCase() }, stamp.at)
  )
    return [];
  return [
    {
      type: 'MemberJoined',
      data: {
        ...stamp,
        userId: command.userId,
        role: 'user',
        via: 'auto-join',
        ...(org.requireTwoFactor ? { twoFactorEnrollmentRequired: true } : {}),
      },
    },
  ];
}

export function changeMemberRole({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'ChangeMemberRole'>>): OrganizationEvent[] {
  // R3: holders of members.changeRole (Owner and Admins) change other members between Admin and User.
  const actor = requirePermission(org, catalog, command.actorId, 'members.changeRole');
  if (command.userId === command.actorId) {
    refuse('cannot-change-own-role', 'rule-violation', 'nobody changes their own role (R3)');
  }
  const target = memberOf(org, command.userId);
  if (target.role === 'owner') {
    refuse(
      'owner-required',
      'rule-violation',
      'the Owner role changes only by transferring ownership (R2, R3)',
    );
  }
  requireNotAbove(actor, target);
  requireRoleNotAbove(actor, command.role);
  if (target.role === command.role) return [];
  // R20: grants the new role cannot keep go with the change, and nobody takes away, by changing a role, what they
  // could not revoke (an Admin demoting an Admin cannot undo the Owner's delegation of org.billing).
  const taken = grantsLackingPrerequisites(catalog, command.role, target.granted);
  const notTheirs = taken.find((p) => isKnownPermission(catalog, p) && !holds(catalog, actor, p));
  if (notTheirs !== undefined)
    refuse(
      'cannot-grant-permission',
      'forbidden',
      `the change would take away ${notTheirs}, which you cannot revoke`,
      { permission: notTheirs },
    );
  // R4: team roles are untouched.
  return [
    {
      type: 'MemberRoleChanged',
      data: { ...stamp, userId: target.userId, from: target.role, to: command.role },
    },
    ...revokedByRoleChange(catalog, stamp, target, command.role),
  ];
}

export function transferOwnership({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'TransferOwnership'>>): OrganizationEvent[] {
  // R2: only the Owner transfers, to another active member, who becomes Owner; the previous Owner becomes Admin.
  if (org.ownerId !== command.actorId)
    refuse('owner-only', 'forbidden', 'only the Owner transfers ownership (R2)');
  // Asking to stay Owner is a mistake in the request, not a change already made: the client expects to become Admin.
  if (command.newOwnerId === command.actorId)
    refuse('already-owner', 'rule-violation', 'ownership goes to another member: you are the Owner (R2)', {
      field: 'newOwnerId',
    });
  memberOf(org, command.newOwnerId);
  // Locked by an operator, the new Owner could not sign in, and nobody could act as Owner until it is unlocked.
  if (command.newOwnerLocked === true)
    refuse(
      'new-owner-locked',
      'rule-violation',
      'ownership goes to an active member: this account is locked (R2)',
      {
        field: 'newOwnerId',
      },
    );
  const previous = memberOf(org, command.actorId);
  return [
    { type: 'OwnershipTransferred', data: { ...stamp, from: command.actorId, to: command.newOwnerId } },
    ...revokedByRoleChange(catalog, stamp, previous, 'admin'),
  ];
}

/** R20 holds in every state: grants that a member's new role cannot keep are revoked with the change. */
function revokedByRoleChange(
  catalog: PermissionsCatalog,
  stamp: Stamp,
  member: Member,
  role: Role,
): OrganizationEvent[] {
  const orphaned = grantsLackingPrerequisites(catalog, role, member.granted);
  return orphaned.length === 0
    ? []
    : [{ type: 'PermissionsRevoked', data: { ...stamp, userId: member.userId, permissions: orphaned } }];
}

export function grantPermissions({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'GrantPermissions'>>): OrganizationEvent[] {
  // Owner and Admins grant extra permissions, never to themselves, never above their own role, only what they hold.
  const actor = requireRole(org, command.actorId, ['owner', 'admin']);
  if (command.userId === command.actorId) {
    refuse('cannot-change-own-permissions', 'forbidden', 'nobody grants or revokes their own permissions');
  }
  const target = memberOf(org, command.userId);
  requireNotAbove(actor, target);
  assertGrantable(org, catalog, {
    actor,
    role: target.role,
    held: new Set([...(catalog.roleDefaults.get(target.role) ?? []), ...target.granted]),
    permissions: command.permissions,
  });
  // What the role gives is held already; recorded as a grant, it would outlive a demotion (an Admin made User keeping
  // members.remove), so it changes nothing, as revoking it is refused.
  const byRole = catalog.roleDefaults.get(target.role);
  const fresh = [...new Set(command.permissions)]
    .filter((p) => !target.granted.has(p) && !byRole?.has(p))
    .sort();
  if (fresh.length === 0) return [];
  return [{ type: 'PermissionsGranted', data: { ...stamp, userId: target.userId, permissions: fresh } }];
}

export function revokePermissions({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'RevokePermissions'>>): OrganizationEvent[] {
  const actor = requireRole(org, command.actorId, ['owner', 'admin']);
  if (command.userId === command.actorId) {
    refuse('cannot-change-own-permissions', 'forbidden', 'nobody grants or revokes their own permissions');
  }
  const target = memberOf(org, command.userId);
  requireNotAbove(actor, target);
  // A name neither in the catalog nor held is a mistake, refused as a grant of it is; one the catalog has since
  // dropped can still be revoked.
  for (const permission of command.permissions) {
    if (!target.granted.has(permission) && !isKnownPermission(catalog, permission))
      refuse('unknown-permission', 'validation', `unknown permission ${permission}`, {
        field: 'permissions',
        permission,
      });
  }
  // What the role gives stays while the role does: revoking it would answer success and change nothing.
  const byRole = catalog.roleDefaults.get(target.role);
  for (const permission of command.permissions) {
    if (!target.granted.has(permission) && byRole?.has(permission))
      refuse(
        'permission-comes-with-role',
        'rule-violation',
        `${permission} comes with the ${target.role} role: change the role to take it away`,
        { field: 'permissions', permission, role: target.role },
      );
  }
  const revoking = [...new Set(command.permissions)].filter((p) => target.granted.has(p)).sort();
  // Nobody takes away what they could not have given (an Admin cannot undo the Owner's delegation of org.billing);
  // a grant the catalog no longer has gives nothing, and any Owner or Admin may clear it.
  for (const permission of revoking) {
    if (isKnownPermission(catalog, permission) && !holds(catalog, actor, permission))
      refuse('cannot-grant-permission', 'forbidden', `you cannot revoke ${permission}`, { permission });
  }
  if (revoking.length === 0) return [];
  const remaining = new Set([...target.granted].filter((p) => !revoking.includes(p)));
  // Only grants this revocation leaves lacking stand in its way: one already lacking a prerequisite (the catalog
  // changed since it was given) is not made so by it, and a dropped grant gives nothing and needs nothing.
  const lackingAlready = new Set(grantsLackingPrerequisites(catalog, target.role, target.granted));
  const dependents = grantsLackingPrerequisites(catalog, target.role, remaining).filter(
    (p) => isKnownPermission(catalog, p) && !lackingAlready.has(p),
  );
  if (dependents.length > 0) {
    refuse(
      'permission-required-by-other-grant',
      'rule-violation',
      `${dependents.join(', ')} still require it (R20)`,
      {
        requiredBy: dependents,
      },
    );
  }
  return [{ type: 'PermissionsRevoked', data: { ...stamp, userId: target.userId, permissions: revoking } }];
}

export function setSchedulable({
  command,
  org,
  stamp,
}: Decision<CommandOf<'SetSchedulable'>>): OrganizationEvent[] {
  // R15: Owner and Admins mark members schedulable; every change of the seat count is an event for billing.
  requireRole(org, command.actorId, ['owner', 'admin']);
  const target = memberOf(org, command.userId);
  if (target.schedulable === command.schedulable) return [];
  const seats = billableSeats(org) + (command.schedulable ? 1 : -1);
  return [
    {
      type: 'SchedulableChanged',
      data: { ...stamp, userId: target.userId, schedulable: command.schedulable },
    },
    { type: 'SeatsChanged', data: { ...stamp, seats } },
  ];
}

export function setAvailability({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'SetAvailability'>>): OrganizationEvent[] {
  // R14: a member changes their own availability when the organization allows it (or they hold
  // availability.editOwn); Owner and Admins always can, anyone's.
  const actor = requireActor(org, command.actorId);
  // Refused before the target is looked up: the answer must not tell a User whether someone is a member (R13).
  if (actor.role === 'user' && command.userId !== command.actorId)
    refuse('insufficient-role', 'forbidden', 'only Owner and Admins set others’ availability (R14)');
  const target = memberOf(org, command.userId);
  if (actor.role === 'user') {
    if (!org.membersMayEditOwnAvailability && !holds(catalog, actor, 'availability.editOwn')) {
      refuse(
        'availability-locked',
        'rule-violation',
        'this organization does not let members edit their availability (R14)',
      );
    }
  }
  for (const slot of command.weekly) {
    if (
      !Number.isInteger(slot.day) ||
      slot.day < 0 ||
      slot.day > 6 ||
      !TIME_OF_DAY.test(slot.from) ||
      !TIME_OF_DAY.test(slot.to) ||
      slot.from >= slot.to
    ) {
      refuse(
        'validation-failed',
        'validation',
        'weekly slots are {day 0-6, from HH:MM, to HH:MM} with from before to',
        {
          field: 'weekly',
        },
      );
    }
  }
  const weekly = command.weekly.map((w) => ({ day: w.day, from: w.from, to: w.to }));
  const current = target.availability;
  if (
    current &&
    current.available === command.available &&
    JSON.stringify(current.weekly) === JSON.stringify(weekly)
  )
    return [];
  return [
    {
      type: 'AvailabilityChanged',
      data: { ...stamp, userId: target.userId, available: command.available, weekly },
    },
  ];
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

export function removeMember({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'RemoveMember'>>): OrganizationEvent[] {
  // R8: holders of members.remove (Owner and Admins) remove any member except the Owner, never one above them.
  const actor = requirePermission(org, catalog, command.actorId, 'members.remove');
  const target = org.members.get(command.userId);
  if (!target) return [];
  if (target.role === 'owner')
    refuse('cannot-remove-owner', 'rule-violation', 'the Owner cannot be removed (R8)');
  // R3, R9: going oneself is leaving, recorded as such.
  if (target.userId === command.actorId)
    refuse(
      'cannot-remove-self',
      'rule-violation',
      'nobody removes themself: leave the organization instead (R9)',
    );
  requireNotAbove(actor, target);
  return departure(org, target, 'MemberRemoved', stamp);
}

export function leaveOrganization({
  command,
  org,
  stamp,
}: Decision<CommandOf<'LeaveOrganization'>>): OrganizationEvent[] {
  // R9: a member may leave; the Owner only after transferring ownership.
  const self = org.members.get(command.actorId);
  if (!self) return [];
  if (self.role === 'owner')
    refuse('owner-cannot-leave', 'rule-violation', 'transfer ownership before leaving (R9)');
  return departure(org, self, 'MemberLeft', stamp);
}

export function removeDeletedUser({
  command,
  org,
  stamp,
}: Decision<CommandOf<'RemoveDeletedUser'>>): OrganizationEvent[] {
  // R10 reaction to an account deletion: the organizations an owner confirmed deleting go; anyone else leaves.
  requireSystem(command, 'reacting to a deleted account');
  const member = org.members.get(command.userId);
  if (!member) return [];
  if (member.role !== 'owner') return departure(org, member, 'MemberLeft', stamp);
  const withTheAccount = { reason: 'owner-account-deleted', ownerId: member.userId } as const;
  if (command.ownedOrganizationsConfirmed) return dissolution(org, stamp, withTheAccount);
  // The account is gone, but its owner never confirmed deleting this organization (identity decided before it knew
  // of it). It is neither deleted unasked nor left owned by a deleted account (R1): the longest-standing Admin, else
  // member, becomes Owner and the deleted account leaves. With nobody else, nothing is left to keep.
  const successor = successorOf(org, member.userId);
  if (!successor) return dissolution(org, stamp, withTheAccount);
  return [
    { type: 'OwnershipTransferred', data: { ...stamp, from: member.userId, to: successor.userId } },
    ...departure(org, member, 'MemberLeft', stamp),
  ];
}

/** Admins before Users, then who joined first (then the user id, for a deterministic choice). */
function successorOf(org: ActiveOrganization, leaving: string): Member | undefined {
  return [...org.members.values()]
    .filter((m) => m.userId !== leaving)
    .sort(
      (a, b) =>
        rankOf(b.role) - rankOf(a.role) ||
        Date.parse(a.joinedAt) - Date.parse(b.joinedAt) ||
        a.userId.localeCompare(b.userId),
    )[0];
}

export function requestPasswordReset({
  command,
  org,
  stamp,
}: Decision<CommandOf<'RequestPasswordReset'>>): OrganizationEvent[] {
  // R17: Owner and Admins trigger a reset for a member (never for one above them); identity mails the link.
  const actor = requireRole(org, command.actorId, ['owner', 'admin']);
  requireNotAbove(actor, memberOf(org, command.userId));
  return [{ type: 'PasswordResetRequested', data: { ...stamp, userId: command.userId } }];
}

/** Removal or leaving: out of every team first, empty teams deleted (R8), seats updated (R15). */
function departure(
  org: ActiveOrganization,
  member: Member,
  type: 'MemberRemoved' | 'MemberLeft',
  stamp: Stamp,
): OrganizationEvent[] {
  const events: OrganizationEvent[] = [];
  const emptied: string[] = [];
  for (const team of org.teams.values()) {
    if (!team.members.has(member.userId)) continue;
    events.push({
      type: 'TeamMemberRemoved',
      data: { ...stamp, teamId: team.teamId, userId: member.userId },
    });
    if (team.members.size === 1) emptied.push(team.teamId);
  }
  events.push({ type, data: { ...stamp, userId: member.userId } });
  for (const teamId of emptied)
    events.push({ type: 'TeamDeleted', data: { ...stamp, teamId, reason: 'emptied' } });
  if (member.schedulable)
    events.push({ type: 'SeatsChanged', data: { ...stamp, seats: billableSeats(org) - 1 } });
  return events;
}
