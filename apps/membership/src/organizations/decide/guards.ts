import { DomainError, type DomainErrorKind } from '@app/domain';
import {
  effectivePermissions,
  grantableInPlan,
  isKnownPermission,
  missingPrerequisites,
  rankOf,
  roleMayHold,
  type PermissionsCatalog,
  type Role,
} from '@app/permissions';
import {
  SYSTEM_ACTOR,
  type OrganizationCommand,
  type OrganizationCommandType,
} from '../organization.commands';
import { latestOf, type ActiveOrganization, type Invitation, type Member } from '../organization.state';

/** The checks every area of the organization decider shares: who acts, with which rights, and when. */

export function refuse(
  code: string,
  kind: DomainErrorKind,
  message: string,
  details: Record<string, unknown> = {},
): never {
  throw new DomainError(code, kind, message, details);
}

/** Who did it and when (R21). Time never goes backwards within a stream, whatever the command was stamped with. */
export interface Stamp {
  readonly orgId: string;
  readonly actorId: string;
  readonly at: string;
}

/**
 * The organization as the rules see it for one command. R19 may add the actor's acting role, which counts for
 * authorization only: it never makes them a member, so no rule can target them as one.
 */
export type OrganizationView = ActiveOrganization & {
  readonly actingAs?: Member;
  /** R19: who may act as an Admin here through the parent, among those who set invitations' terms. */
  readonly partnersInParent?: ReadonlySet<string>;
};

/** What each area's decide function gets: the command, the organization as seen for it, the catalog, the stamp. */
export interface Decision<C extends OrganizationCommand = OrganizationCommand> {
  readonly command: C;
  readonly org: OrganizationView;
  readonly catalog: PermissionsCatalog;
  readonly stamp: Stamp;
}

/** R22: what a member may do in an organization that requires 2FA before enrolling. */
export const ALLOWED_WITHOUT_TWO_FACTOR: ReadonlySet<OrganizationCommandType> = new Set([
  'CreateOrganization',
  'LeaveOrganization',
  'AcceptInvitation',
]);

/** R19: what an Admin acting through the parent's `customers.manage` may do (member-only acts need membership). */
export const ADMIN_ACTS: ReadonlySet<OrganizationCommandType> = new Set([
  'ChangeMemberRole',
  'GrantPermissions',
  'RevokePermissions',
  'SetSchedulable',
  'RemoveMember',
  'CreateTeam',
  'RenameTeam',
  'DeleteTeam',
  'AddTeamMember',
  'RemoveTeamMember',
  'InviteMember',
  'ChangeInvitation',
  'SendInvitation',
  'RevokeInvitation',
  'UpdateSettings',
  'SetContactPerson',
  'SetAvailability',
  'ClaimDomain',
  'ReleaseDomain',
  'RequestPasswordReset',
]);

export function stampOf(org: ActiveOrganization, command: OrganizationCommand): Stamp {
  return { orgId: org.orgId, actorId: command.actorId, at: latestOf(org.lastEventAt, command.at) };
}

/** R22: nobody without a second factor acts in an organization that requires one, except to leave or join. */
export function requireTwoFactorWhereRequired(org: ActiveOrganization, command: OrganizationCommand): void {
  if (
    org.requireTwoFactor &&
    command.actorId !== SYSTEM_ACTOR &&
    command.actorTwoFactor !== true &&
    !ALLOWED_WITHOUT_TWO_FACTOR.has(command.type)
  ) {
    refuse('two-factor-required', 'forbidden', 'this organization requires two-factor authentication (R22)');
  }
}

/**
 * R19: an actor acting through the parent's `customers.manage` is seen as an Admin (keeping any grants they hold as a
 * member), for admin acts only, only when that parent is this organization's, and never for a real Owner or Admin.
 */
export function viewFor(org: ActiveOrganization, command: OrganizationCommand): OrganizationView {
  const givers = command.giversActingViaParent;
  const view: OrganizationView =
    givers && givers.parentOrgId === org.parentOrgId
      ? { ...org, partnersInParent: new Set(givers.userIds) }
      : org;
  return withActingAs(view, command);
}

/** R19: of `userIds`, those who hold `customers.manage` in `parent`, and so may act as Admins in its child `childOrgId`. */
export function partnersAmong(
  parent: ActiveOrganization | undefined,
  catalog: PermissionsCatalog,
  userIds: Iterable<string>,
  childOrgId: string,
): string[] {
  // A link the parent does not record (half made, or half undone by an unlink) gives nobody anything in the child.
  if (!parent?.childOrgIds.has(childOrgId)) return [];
  return [...userIds].filter((userId) => {
    const member = parent.members.get(userId);
    return member !== undefined && holds(catalog, member, 'customers.manage');
  });
}

function withActingAs(org: OrganizationView, command: OrganizationCommand): OrganizationView {
  if (
    !command.actorActsAsAdminVia ||
    !ADMIN_ACTS.has(command.type) ||
    org.parentOrgId !== command.actorActsAsAdminVia
  )
    return org;
  const own = org.members.get(command.actorId);
  if (own && rankOf(own.role) >= rankOf('admin')) return org;
  const actingAs: Member = {
    userId: command.actorId,
    granted: own?.granted ?? new Set(),
    schedulable: false,
    joinedAt: command.at,
    role: 'admin',
  };
  return { ...org, actingAs };
}

/** Only in-process reactions and scheduled work act as the system; messages never can (the handler sees to it). */
export function requireSystem(command: OrganizationCommand, what: string): void {
  if (command.actorId !== SYSTEM_ACTOR) refuse('system-only', 'forbidden', `${what} is done by the system`);
}

/** The acting member: their membership, or the Admin role they act in through the parent (R19). */
export function actorOf(org: OrganizationView, actorId: string): Member | undefined {
  return org.actingAs?.userId === actorId ? org.actingAs : org.members.get(actorId);
}

export function requireActor(org: OrganizationView, actorId: string): Member {
  const actor = actorOf(org, actorId);
  if (!actor) refuse('not-a-member', 'forbidden', 'only members act in an organization');
  return actor;
}

export function requireRole(org: OrganizationView, actorId: string, roles: readonly Role[]): Member {
  const actor = requireActor(org, actorId);
  if (!roles.includes(actor.role)) {
    refuse('insufficient-role', 'forbidden', `requires ${roles.join(' or ')}`, { required: roles });
  }
  return actor;
}

export function holds(
  catalog: PermissionsCatalog,
  member: Pick<Member, 'role' | 'granted'>,
  permission: string,
): boolean {
  return effectivePermissions(catalog, member.role, member.granted).has(permission);
}

/** The actor holds `permission`, by role or by grant. */
export function requirePermission(
  org: OrganizationView,
  catalog: PermissionsCatalog,
  actorId: string,
  permission: string,
): Member {
  const actor = requireActor(org, actorId);
  if (!holds(catalog, actor, permission)) {
    refuse('insufficient-permission', 'forbidden', `requires ${permission}`, { required: permission });
  }
  return actor;
}

export function memberOf(org: ActiveOrganization, userId: string): Member {
  const member = org.members.get(userId);
  if (!member) notAMember(userId);
  return member;
}

/**
 * R13: a member as the actor may see them: anyone to holders of `members.read`, else themself and the members of
 * their teams. Someone hidden from the actor is answered as a non-member would be.
 */
export function visibleMemberOf(
  org: ActiveOrganization,
  catalog: PermissionsCatalog,
  actor: Member,
  userId: string,
): Member {
  const member = org.members.get(userId);
  if (!member || !(holds(catalog, actor, 'members.read') || sharesATeam(org, actor.userId, userId)))
    notAMember(userId);
  return member;
}

function sharesATeam(org: ActiveOrganization, one: string, other: string): boolean {
  if (one === other) return true;
  for (const team of org.teams.values()) if (team.members.has(one) && team.members.has(other)) return true;
  return false;
}

function notAMember(userId: string): never {
  refuse('not-a-member', 'not-found', `${userId} is not a member of this organization`, { userId });
}

/** Nobody acts on a member whose role is above their own. */
export function requireNotAbove(actor: Member, target: Member): void {
  if (rankOf(target.role) > rankOf(actor.role)) {
    refuse('member-above-own-role', 'forbidden', `${target.userId}'s role is above yours`, {
      userId: target.userId,
    });
  }
}

/** Nobody gives a role above their own, directly or through an invitation: `role` is the one the command asks for. */
export function requireRoleNotAbove(actor: Member, role: Role): void {
  if (rankOf(role) > rankOf(actor.role)) {
    refuse('role-above-own', 'forbidden', `you cannot give the ${role} role`, { field: 'role', role });
  }
}

/**
 * Nor sends, edits or revokes an invitation that gives a role above their own. The role is the invitation's, not a
 * field of the request (a resend has no body), so the refusal names the invitation.
 */
export function requireInvitationNotAbove(actor: Member, invitation: Invitation): void {
  const { role, invitationId } = invitation;
  if (rankOf(role) > rankOf(actor.role)) {
    refuse('role-above-own', 'forbidden', `invitation ${invitationId} gives the ${role} role, above yours`, {
      invitationId,
      role,
    });
  }
}

/**
 * R20 and the bounds of delegation, for a grant made directly, through an invitation, its edit or an import: every
 * permission is known, allowed by the plan, one that a member with `role` may hold, one the actor may grant (Owner
 * and Admins grant what they hold themselves), and has its prerequisites among what the member holds (`held`, role
 * defaults included) or what the same request adds.
 */
export function assertGrantable(
  org: OrganizationView,
  catalog: PermissionsCatalog,
  grant: {
    readonly actor: Member;
    readonly role: Role;
    readonly held: ReadonlySet<string>;
    readonly permissions: readonly string[];
  },
): void {
  const { actor, role, held, permissions } = grant;
  const withRequested = new Set([...held, ...permissions]);
  const actorMayGrant = rankOf(actor.role) >= rankOf('admin');
  for (const permission of permissions) {
    if (!isKnownPermission(catalog, permission)) {
      refuse('unknown-permission', 'validation', `unknown permission ${permission}`, {
        field: 'permissions',
        permission,
      });
    }
    if (!grantableInPlan(catalog, org.plan, permission)) {
      refuse(
        'permission-not-in-plan',
        'rule-violation',
        `${permission} cannot be granted on the ${org.plan} plan (R20)`,
        {
          permission,
          plan: org.plan,
        },
      );
    }
    if (!actorMayGrant || !holds(catalog, actor, permission)) {
      refuse('cannot-grant-permission', 'forbidden', `you cannot grant ${permission}`, { permission });
    }
    if (!roleMayHold(catalog, role, permission)) {
      const minimumRole = catalog.permissions.get(permission)!.minimumRole;
      refuse('permission-requires-role', 'rule-violation', `${permission} is for ${minimumRole}s and above`, {
        permission,
        minimumRole,
      });
    }
    const missing = missingPrerequisites(catalog, permission, withRequested);
    if (missing.length > 0) {
      refuse(
        'permission-prerequisite-missing',
        'rule-violation',
        `${permission} requires ${missing.join(', ')} (R20)`,
        {
          permission,
          missing,
        },
      );
    }
  }
}
