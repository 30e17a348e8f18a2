import { type Decider, DomainError, type DomainErrorKind } from '@app/domain';
import { normalizeDomain } from './domain-claim.decider';
import { type Availability, type OrganizationEvent, type TeamRole } from './organization.events';
import {
  billableSeats,
  evolveOrganization,
  initialOrganizationState,
  type ActiveOrganization,
  type Member,
  type OrganizationState,
} from './organization.state';
import {
  defaultCatalog,
  effectivePermissions,
  grantableInPlan,
  isKnownPermission,
  missingPrerequisites,
  type PermissionsCatalog,
  type Role,
} from './permissions-catalog';

/** Who acts and when: time comes in with the command, never from a clock inside the domain. */
interface CommandMeta {
  readonly actorId: string;
  readonly at: string;
  /** R22: the actor signed in with a second factor (the gateway reads it from the access token's `amr`). */
  readonly actorTwoFactor?: boolean;
  /**
   * R19: the parent organization in which the actor holds `customers.manage`, checked by the handler against the
   * parent's state; the actor then acts as an Admin here (never as Owner).
   */
  readonly actorActsAsAdminVia?: string;
}

export type OrganizationCommand = CommandMeta &
  (
    | { type: 'CreateOrganization'; orgId: string; name: string; plan?: string }
    | { type: 'AdmitMember'; userId: string; role: 'admin' | 'user'; via: 'invitation' | 'auto-join' }
    | { type: 'ChangeMemberRole'; userId: string; role: 'admin' | 'user' }
    | { type: 'TransferOwnership'; newOwnerId: string }
    | { type: 'GrantPermissions'; userId: string; permissions: string[] }
    | { type: 'RevokePermissions'; userId: string; permissions: string[] }
    | { type: 'SetSchedulable'; userId: string; schedulable: boolean }
    | { type: 'RemoveMember'; userId: string }
    | { type: 'LeaveOrganization' }
    | { type: 'CreateTeam'; teamId: string; name: string }
    | { type: 'RenameTeam'; teamId: string; name: string }
    | { type: 'DeleteTeam'; teamId: string }
    | { type: 'AddTeamMember'; teamId: string; userId: string; role: TeamRole }
    | { type: 'RemoveTeamMember'; teamId: string; userId: string }
    | { type: 'DeleteOrganization' }
    | { type: 'RemoveDeletedUser'; userId: string; ownedOrganizationsConfirmed: boolean }
    | {
        type: 'InviteMember';
        invitationId: string;
        email?: string;
        phone?: string;
        role: 'admin' | 'user';
        teamIds: string[];
        permissions: string[];
        send: boolean;
        expiresAt: string;
        /** The account holding this e-mail or phone, when one exists (looked up by the handler). */
        inviteeUserId?: string;
      }
    | {
        type: 'ChangeInvitation';
        invitationId: string;
        role: 'admin' | 'user';
        teamIds: string[];
        permissions: string[];
      }
    | { type: 'SendInvitation'; invitationId: string; expiresAt: string }
    | { type: 'RevokeInvitation'; invitationId: string }
    | {
        type: 'AcceptInvitation';
        invitationId: string;
        /** From the link: a link of an earlier send no longer works (R5). */
        sendSequence: number;
        userId: string;
        /** The accepting account's verified identity; must be the invited one. */
        email?: string;
        phone?: string;
      }
    | { type: 'ExpireInvitation'; invitationId: string }
    | {
        type: 'UpdateSettings';
        name?: string;
        autoJoin?: boolean;
        membersMayEditOwnAvailability?: boolean;
        requireTwoFactor?: boolean;
      }
    | { type: 'SetContactPerson'; userId: string }
    | { type: 'SetAvailability'; userId: string; available: boolean; weekly: Availability['weekly'] }
    | { type: 'ClaimDomain'; domain: string }
    | { type: 'ReleaseDomain'; domain: string }
    | { type: 'AutoJoinMember'; userId: string; email: string }
    | { type: 'LinkChildOrganization'; childOrgId: string }
    | { type: 'UnlinkChildOrganization'; childOrgId: string }
    | { type: 'AttachToParent'; parentOrgId: string }
    | { type: 'DetachFromParent'; parentOrgId: string }
    | { type: 'RequestPasswordReset'; userId: string }
  );

/** R22: what a member may still do in an organization that requires 2FA before enrolling. */
const ALLOWED_WITHOUT_TWO_FACTOR: ReadonlySet<OrganizationCommand['type']> = new Set([
  'LeaveOrganization',
  'AcceptInvitation',
  'AdmitMember',
  'CreateOrganization',
]);

/** R19: what an Admin acting through the parent's `customers.manage` may do (member-only acts need membership). */
const ADMIN_ACTS: ReadonlySet<OrganizationCommand['type']> = new Set([
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

export const SYSTEM_ACTOR = 'system';

function refuse(
  code: string,
  kind: DomainErrorKind,
  message: string,
  details: Record<string, unknown> = {},
): never {
  throw new DomainError(code, kind, message, details);
}

export function organizationDecider(
  catalog: PermissionsCatalog = defaultCatalog,
): Decider<OrganizationState, OrganizationCommand, OrganizationEvent> {
  return {
    initialState: initialOrganizationState,
    evolve: evolveOrganization,
    decide: (command, state) => decideOrganization(command, state, catalog),
  };
}

function decideOrganization(
  command: OrganizationCommand,
  state: OrganizationState,
  catalog: PermissionsCatalog,
): OrganizationEvent[] {
  if (command.type === 'CreateOrganization') return create(command, state);
  if (state.status === 'none') refuse('organization-not-found', 'not-found', 'no such organization');
  if (state.status === 'deleted') refuse('organization-deleted', 'gone', 'the organization was deleted');
  if (
    state.requireTwoFactor &&
    command.actorId !== SYSTEM_ACTOR &&
    command.actorTwoFactor !== true &&
    !ALLOWED_WITHOUT_TWO_FACTOR.has(command.type)
  ) {
    refuse('two-factor-required', 'forbidden', 'this organization requires two-factor authentication (R22)');
  }
  const org = actingView(state, command);
  const stamp = { orgId: org.orgId, actorId: command.actorId, at: command.at };

  switch (command.type) {
    case 'AdmitMember': {
      if (command.actorId !== SYSTEM_ACTOR && command.actorId !== command.userId) {
        refuse('forbidden', 'forbidden', 'members join through an invitation or auto-join');
      }
      if (org.members.has(command.userId)) return [];
      return [
        {
          type: 'MemberJoined',
          data: { ...stamp, userId: command.userId, role: command.role, via: command.via },
        },
      ];
    }
    case 'ChangeMemberRole': {
      // R3: Owner and Admins change other members' roles between Admin and User.
      requireRole(org, command.actorId, ['owner', 'admin']);
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
      if (target.role === command.role) return [];
      const changed: OrganizationEvent = {
        type: 'MemberRoleChanged',
        data: { ...stamp, userId: target.userId, from: target.role, to: command.role },
      };
      // R20 holds in every state: grants whose prerequisites only the old role gave are revoked with the change.
      const orphaned = grantsLackingPrerequisites(catalog, command.role, target.granted);
      return orphaned.length === 0
        ? [changed]
        : [
            changed,
            { type: 'PermissionsRevoked', data: { ...stamp, userId: target.userId, permissions: orphaned } },
          ];
    }
    case 'TransferOwnership': {
      // R2: only the Owner transfers, to another active member, who becomes Owner; the previous Owner becomes Admin.
      if (org.ownerId !== command.actorId)
        refuse('owner-only', 'forbidden', 'only the Owner transfers ownership (R2)');
      if (command.newOwnerId === command.actorId) return [];
      memberOf(org, command.newOwnerId);
      return [
        { type: 'OwnershipTransferred', data: { ...stamp, from: command.actorId, to: command.newOwnerId } },
      ];
    }
    case 'GrantPermissions': {
      requireRole(org, command.actorId, ['owner', 'admin']);
      const target = memberOf(org, command.userId);
      assertGrantable(
        catalog,
        org,
        effectivePermissions(catalog, target.role, target.granted),
        command.permissions,
      );
      const requested = new Set(command.permissions);
      const fresh = [...requested].filter((p) => !target.granted.has(p)).sort();
      if (fresh.length === 0) return [];
      return [{ type: 'PermissionsGranted', data: { ...stamp, userId: target.userId, permissions: fresh } }];
    }
    case 'RevokePermissions': {
      requireRole(org, command.actorId, ['owner', 'admin']);
      const target = memberOf(org, command.userId);
      const revoking = command.permissions.filter((p) => target.granted.has(p)).sort();
      if (revoking.length === 0) return [];
      const remaining = new Set([...target.granted].filter((p) => !revoking.includes(p)));
      const dependents = grantsLackingPrerequisites(catalog, target.role, remaining);
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
      return [
        { type: 'PermissionsRevoked', data: { ...stamp, userId: target.userId, permissions: revoking } },
      ];
    }
    case 'SetSchedulable': {
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
    case 'RemoveMember': {
      // R8: Owner and Admins remove any member except the Owner.
      requireRole(org, command.actorId, ['owner', 'admin']);
      if (!org.members.has(command.userId)) return [];
      const target = memberOf(org, command.userId);
      if (target.role === 'owner')
        refuse('cannot-remove-owner', 'rule-violation', 'the Owner cannot be removed (R8)');
      return departure(org, target, 'MemberRemoved', stamp);
    }
    case 'LeaveOrganization': {
      // R9: a member may leave; the Owner only after transferring ownership.
      if (!org.members.has(command.actorId)) return [];
      const self = memberOf(org, command.actorId);
      if (self.role === 'owner') {
        refuse('owner-cannot-leave', 'rule-violation', 'transfer ownership before leaving (R9)');
      }
      return departure(org, self, 'MemberLeft', stamp);
    }
    case 'CreateTeam': {
      // R11: Owner and Admins create teams; a User cannot.
      requireRole(org, command.actorId, ['owner', 'admin']);
      const name = validTeamName(command.name);
      const existing = org.teams.get(command.teamId);
      if (existing) {
        if (existing.name === name) return [];
        refuse('team-exists', 'conflict', 'a team with this id exists', { teamId: command.teamId });
      }
      assertTeamNameFree(org, name);
      return [{ type: 'TeamCreated', data: { ...stamp, teamId: command.teamId, name } }];
    }
    case 'RenameTeam': {
      const team = teamOf(org, command.teamId);
      requireTeamManager(org, command.actorId, team.teamId);
      const name = validTeamName(command.name);
      if (team.name === name) return [];
      assertTeamNameFree(org, name);
      return [{ type: 'TeamRenamed', data: { ...stamp, teamId: team.teamId, name } }];
    }
    case 'DeleteTeam': {
      requireRole(org, command.actorId, ['owner', 'admin']);
      if (!org.teams.has(command.teamId)) return [];
      return [{ type: 'TeamDeleted', data: { ...stamp, teamId: command.teamId, reason: 'deleted' } }];
    }
    case 'AddTeamMember': {
      const team = teamOf(org, command.teamId);
      requireTeamManager(org, command.actorId, team.teamId);
      // R12: only members of the organization can be in its teams.
      memberOf(org, command.userId);
      if (team.members.get(command.userId) === command.role) return [];
      return [
        {
          type: 'TeamMemberAdded',
          data: { ...stamp, teamId: team.teamId, userId: command.userId, role: command.role },
        },
      ];
    }
    case 'RemoveTeamMember': {
      const team = teamOf(org, command.teamId);
      requireTeamManager(org, command.actorId, team.teamId);
      if (!team.members.has(command.userId)) return [];
      return [{ type: 'TeamMemberRemoved', data: { ...stamp, teamId: team.teamId, userId: command.userId } }];
    }
    case 'DeleteOrganization': {
      // R10: only the Owner deletes the organization; teams are disbanded and memberships end.
      if (org.ownerId !== command.actorId)
        refuse('owner-only', 'forbidden', 'only the Owner deletes the organization (R10)');
      return deletion(org, stamp);
    }
    case 'RemoveDeletedUser': {
      // R10 reaction to an account deletion: an owner's organizations go (the deletion carried their confirmation);
      // anyone else leaves.
      if (command.actorId !== SYSTEM_ACTOR)
        refuse('forbidden', 'forbidden', 'only the system reacts to deleted accounts');
      const member = org.members.get(command.userId);
      if (!member) return [];
      if (member.role !== 'owner') return departure(org, member, 'MemberLeft', stamp);
      if (!command.ownedOrganizationsConfirmed) {
        refuse(
          'owned-organizations-confirmation-required',
          'rule-violation',
          'the owner did not confirm deleting their organizations (R10)',
        );
      }
      return deletion(org, stamp);
    }
    case 'UpdateSettings': {
      requirePermission(org, catalog, command.actorId, 'org.update');
      const name = command.name === undefined ? org.name : command.name.trim();
      if (name.length === 0 || name.length > 200) {
        refuse('invalid-name', 'validation', 'name must be 1 to 200 characters', { field: 'name' });
      }
      const next = {
        name,
        autoJoin: command.autoJoin ?? org.autoJoin,
        membersMayEditOwnAvailability:
          command.membersMayEditOwnAvailability ?? org.membersMayEditOwnAvailability,
        requireTwoFactor: command.requireTwoFactor ?? org.requireTwoFactor,
      };
      const unchanged =
        next.name === org.name &&
        next.autoJoin === org.autoJoin &&
        next.membersMayEditOwnAvailability === org.membersMayEditOwnAvailability &&
        next.requireTwoFactor === org.requireTwoFactor;
      return unchanged ? [] : [{ type: 'SettingsUpdated', data: { ...stamp, ...next } }];
    }
    case 'SetContactPerson': {
      requireRole(org, command.actorId, ['owner', 'admin']);
      memberOf(org, command.userId);
      if (org.contactPersonId === command.userId) return [];
      return [{ type: 'ContactPersonChanged', data: { ...stamp, userId: command.userId } }];
    }
    case 'SetAvailability': {
      // R14: members change their own availability only when the organization allows it; Owner and Admins always can.
      const actor = actorOf(org, command.actorId);
      if (!actor) refuse('not-a-member', 'forbidden', 'only members act in an organization');
      const target = memberOf(org, command.userId);
      const privileged = actor.role === 'owner' || actor.role === 'admin';
      if (!privileged) {
        if (command.userId !== command.actorId)
          refuse('insufficient-role', 'forbidden', 'only Owner and Admins set others’ availability (R14)');
        if (!org.membersMayEditOwnAvailability) {
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
          !/^([01]\d|2[0-3]):[0-5]\d$/.test(slot.from) ||
          !/^([01]\d|2[0-3]):[0-5]\d$/.test(slot.to) ||
          slot.from >= slot.to
        ) {
          refuse(
            'validation-failed',
            'validation',
            'weekly slots are {day 0-6, from HH:MM, to HH:MM} with from before to',
            { field: 'weekly' },
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
    case 'ClaimDomain': {
      // R16: Owner and Admins claim e-mail domains; uniqueness across organizations is the domain stream's job.
      requireRole(org, command.actorId, ['owner', 'admin']);
      const domain = normalizeDomain(command.domain);
      if (!domain) refuse('validation-failed', 'validation', 'not a domain name', { field: 'domain' });
      if (org.domains.has(domain)) return [];
      return [{ type: 'DomainClaimed', data: { ...stamp, domain } }];
    }
    case 'ReleaseDomain': {
      requireRole(org, command.actorId, ['owner', 'admin']);
      const domain = normalizeDomain(command.domain);
      if (!domain || !org.domains.has(domain)) return [];
      return [{ type: 'DomainReleased', data: { ...stamp, domain } }];
    }
    case 'AutoJoinMember': {
      // R16/R18: a verified address at a claimed domain joins as User when auto-join is on (the system acts).
      if (command.actorId !== SYSTEM_ACTOR)
        refuse('forbidden', 'forbidden', 'auto-join is done by the system');
      const domain = command.email.split('@')[1]?.toLowerCase();
      if (!org.autoJoin || !domain || !org.domains.has(domain) || org.members.has(command.userId)) return [];
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
    case 'InviteMember': {
      // R5: Owner and Admins, or holders of members.invite, invite with a role that is never Owner (R6: maybe unsent).
      requirePermission(org, catalog, command.actorId, 'members.invite');
      const email = command.email?.trim().toLowerCase();
      const phone = command.phone?.trim();
      if (!email === !phone)
        refuse('validation-failed', 'validation', 'invite by e-mail or by phone', { field: 'email' });
      if (command.inviteeUserId && org.members.has(command.inviteeUserId)) {
        refuse('already-member', 'conflict', 'this person is already a member (R5)');
      }
      for (const teamId of command.teamIds) teamOf(org, teamId);
      assertGrantable(catalog, org, effectivePermissions(catalog, command.role, []), command.permissions);
      const existing = org.invitations.get(command.invitationId);
      if (existing) return [];
      for (const other of org.invitations.values()) {
        if (
          other.status === 'pending' &&
          ((email && other.email === email) || (phone && other.phone === phone))
        ) {
          refuse('already-invited', 'conflict', 'a pending invitation for this person exists', {
            invitationId: other.invitationId,
          });
        }
      }
      const created: OrganizationEvent = {
        type: 'InvitationCreated',
        data: {
          ...stamp,
          invitationId: command.invitationId,
          ...(email ? { email } : {}),
          ...(phone ? { phone } : {}),
          role: command.role,
          teamIds: [...command.teamIds],
          permissions: [...command.permissions].sort(),
          expiresAt: command.expiresAt,
        },
      };
      if (!command.send) return [created];
      return [
        created,
        {
          type: 'InvitationSent',
          data: {
            ...stamp,
            invitationId: command.invitationId,
            sendSequence: 1,
            expiresAt: command.expiresAt,
            ...(email ? { email } : {}),
            ...(phone ? { phone } : {}),
            orgName: org.name,
            role: command.role,
          },
        },
      ];
    }
    case 'ChangeInvitation': {
      requirePermission(org, catalog, command.actorId, 'members.invite');
      const invitation = pendingInvitation(org, command.invitationId, command.at);
      for (const teamId of command.teamIds) teamOf(org, teamId);
      assertGrantable(catalog, org, effectivePermissions(catalog, command.role, []), command.permissions);
      return [
        {
          type: 'InvitationChanged',
          data: {
            ...stamp,
            invitationId: invitation.invitationId,
            role: command.role,
            teamIds: [...command.teamIds],
            permissions: [...command.permissions].sort(),
          },
        },
      ];
    }
    case 'SendInvitation': {
      requirePermission(org, catalog, command.actorId, 'members.invite');
      const invitation = pendingInvitation(org, command.invitationId, command.at);
      return [
        {
          type: 'InvitationSent',
          data: {
            ...stamp,
            invitationId: invitation.invitationId,
            sendSequence: invitation.sendSequence + 1,
            expiresAt: command.expiresAt,
            ...(invitation.email ? { email: invitation.email } : {}),
            ...(invitation.phone ? { phone: invitation.phone } : {}),
            orgName: org.name,
            role: invitation.role,
          },
        },
      ];
    }
    case 'RevokeInvitation': {
      requirePermission(org, catalog, command.actorId, 'members.invite');
      const invitation = invitationOf(org, command.invitationId);
      if (invitation.status === 'revoked') return [];
      if (invitation.status !== 'pending')
        refuse('invitation-not-pending', 'conflict', `the invitation is ${invitation.status}`);
      return [{ type: 'InvitationRevoked', data: { ...stamp, invitationId: invitation.invitationId } }];
    }
    case 'AcceptInvitation': {
      // R5: accepted once, only by the invited identity, with the latest link, before it expires.
      const invitation = invitationOf(org, command.invitationId);
      if (invitation.status === 'accepted') {
        if (invitation.acceptedBy === command.userId) return [];
        refuse('invitation-already-accepted', 'gone', 'this invitation was already accepted');
      }
      if (invitation.status === 'revoked')
        refuse('invitation-revoked', 'gone', 'this invitation was revoked');
      if (invitation.status === 'expired' || command.at >= invitation.expiresAt)
        refuse('invitation-expired', 'gone', 'this invitation expired');
      if (invitation.sendSequence === 0 || command.sendSequence !== invitation.sendSequence) {
        refuse('invitation-link-superseded', 'gone', 'this link was replaced by a newer one');
      }
      const matches = invitation.email
        ? command.email?.trim().toLowerCase() === invitation.email
        : command.phone === invitation.phone;
      if (!matches) refuse('invitation-identity-mismatch', 'forbidden', 'the invitation is for someone else');
      if (org.members.has(command.userId))
        refuse('already-member', 'conflict', 'already a member of this organization');
      const events: OrganizationEvent[] = [
        {
          type: 'InvitationAccepted',
          data: { ...stamp, invitationId: invitation.invitationId, userId: command.userId },
        },
        {
          type: 'MemberJoined',
          data: { ...stamp, userId: command.userId, role: invitation.role, via: 'invitation' },
        },
      ];
      for (const teamId of invitation.teamIds) {
        if (org.teams.has(teamId)) {
          events.push({
            type: 'TeamMemberAdded',
            data: { ...stamp, teamId, userId: command.userId, role: 'member' },
          });
        }
      }
      // Prerequisites may have been met by the role at invite time; grant only what still holds (R20).
      const granted = invitation.permissions.filter((p) => isKnownPermission(catalog, p));
      const lacking = grantsLackingPrerequisites(catalog, invitation.role, new Set(granted));
      const permissions = granted.filter((p) => !lacking.includes(p)).sort();
      if (permissions.length > 0) {
        events.push({ type: 'PermissionsGranted', data: { ...stamp, userId: command.userId, permissions } });
      }
      return events;
    }
    case 'ExpireInvitation': {
      const invitation = invitationOf(org, command.invitationId);
      if (invitation.status !== 'pending' || command.at < invitation.expiresAt) return [];
      return [{ type: 'InvitationExpired', data: { ...stamp, invitationId: invitation.invitationId } }];
    }
    case 'LinkChildOrganization': {
      // R19: the parent's side. The child's side (AttachToParent) is the one-parent guard; the handler writes it first.
      requireRole(org, command.actorId, ['owner', 'admin']);
      if (command.childOrgId === org.orgId)
        refuse('organization-link-cycle', 'rule-violation', 'an organization cannot be its own child (R19)');
      if (org.childOrgIds.has(command.childOrgId)) return [];
      return [{ type: 'ChildOrganizationLinked', data: { ...stamp, childOrgId: command.childOrgId } }];
    }
    case 'UnlinkChildOrganization': {
      requireRole(org, command.actorId, ['owner', 'admin']);
      if (!org.childOrgIds.has(command.childOrgId)) return [];
      return [{ type: 'ChildOrganizationUnlinked', data: { ...stamp, childOrgId: command.childOrgId } }];
    }
    case 'AttachToParent': {
      requireRole(org, command.actorId, ['owner', 'admin']);
      if (command.parentOrgId === org.orgId)
        refuse('organization-link-cycle', 'rule-violation', 'an organization cannot be its own parent (R19)');
      if (org.parentOrgId === command.parentOrgId) return [];
      if (org.parentOrgId !== undefined)
        refuse('organization-already-linked', 'conflict', 'this organization already has a parent (R19)', {
          parentOrgId: org.parentOrgId,
        });
      return [{ type: 'ParentOrganizationLinked', data: { ...stamp, parentOrgId: command.parentOrgId } }];
    }
    case 'DetachFromParent': {
      // The parent's Owner/Admin unlinks (checked on the parent's stream first) or the child's own Owner/Admin.
      if (command.actorId !== SYSTEM_ACTOR) requireRole(org, command.actorId, ['owner', 'admin']);
      if (org.parentOrgId !== command.parentOrgId) return [];
      return [{ type: 'ParentOrganizationUnlinked', data: { ...stamp, parentOrgId: command.parentOrgId } }];
    }
    case 'RequestPasswordReset': {
      // R17: Owner and Admins trigger a reset for a member; identity sends the link when it sees the event.
      requireRole(org, command.actorId, ['owner', 'admin']);
      memberOf(org, command.userId);
      return [{ type: 'PasswordResetRequested', data: { ...stamp, userId: command.userId } }];
    }
  }
}

/**
 * R19: for an actor acting through the parent's `customers.manage`, the organization as seen by the rules has them as
 * an Admin (keeping any grants they hold as a member). Only for admin acts, and never for a real Owner or Admin.
 */
function actingView(org: ActiveOrganization, command: OrganizationCommand): OrganizationView {
  if (
    !command.actorActsAsAdminVia ||
    !ADMIN_ACTS.has(command.type) ||
    org.parentOrgId !== command.actorActsAsAdminVia
  )
    return org;
  const own = org.members.get(command.actorId);
  if (own && (own.role === 'owner' || own.role === 'admin')) return org;
  const actingAs: Member = {
    userId: command.actorId,
    granted: own?.granted ?? new Set(),
    schedulable: false,
    joinedAt: command.at,
    role: 'admin',
  };
  return { ...org, actingAs };
}

/**
 * The organization as the rules see it for one command: R19 may add an actor's acting role, which counts for
 * authorization only; it never makes them a member (so no rule can target them as one).
 */
type OrganizationView = ActiveOrganization & { readonly actingAs?: Member };

/** The acting member: their membership, or the Admin role they act in through the parent (R19). */
function actorOf(org: OrganizationView, actorId: string): Member | undefined {
  return org.actingAs?.userId === actorId ? org.actingAs : org.members.get(actorId);
}

function create(
  command: Extract<OrganizationCommand, { type: 'CreateOrganization' }>,
  state: OrganizationState,
): OrganizationEvent[] {
  const name = command.name.trim();
  if (name.length === 0 || name.length > 200) {
    refuse('invalid-name', 'validation', 'name must be 1 to 200 characters', { field: 'name' });
  }
  if (state.status !== 'none') {
    if (state.ownerId === command.actorId && state.name === name) return [];
    refuse('organization-exists', 'conflict', 'an organization with this id exists');
  }
  // R1: the creator becomes the Owner and the contact person.
  return [
    {
      type: 'OrganizationCreated',
      data: {
        orgId: command.orgId,
        actorId: command.actorId,
        at: command.at,
        name,
        ownerId: command.actorId,
        plan: command.plan ?? 'standard',
      },
    },
  ];
}

function deletion(
  org: ActiveOrganization,
  stamp: { orgId: string; actorId: string; at: string },
): OrganizationEvent[] {
  const events: OrganizationEvent[] = [...org.teams.keys()].map((teamId) => ({
    type: 'TeamDeleted',
    data: { ...stamp, teamId, reason: 'organization-deleted' },
  }));
  for (const invitation of org.invitations.values()) {
    if (invitation.status === 'pending') {
      events.push({ type: 'InvitationRevoked', data: { ...stamp, invitationId: invitation.invitationId } });
    }
  }
  for (const domain of org.domains) events.push({ type: 'DomainReleased', data: { ...stamp, domain } });
  if (org.seats > 0) events.push({ type: 'SeatsChanged', data: { ...stamp, seats: 0 } });
  events.push({ type: 'OrganizationDeleted', data: stamp });
  return events;
}

function invitationOf(org: ActiveOrganization, invitationId: string) {
  const invitation = org.invitations.get(invitationId);
  if (!invitation)
    refuse('invitation-not-found', 'not-found', `no invitation ${invitationId}`, { invitationId });
  return invitation;
}

function pendingInvitation(org: ActiveOrganization, invitationId: string, at: string) {
  const invitation = invitationOf(org, invitationId);
  if (invitation.status !== 'pending')
    refuse('invitation-not-pending', 'conflict', `the invitation is ${invitation.status}`);
  if (at >= invitation.expiresAt) refuse('invitation-expired', 'gone', 'this invitation expired');
  return invitation;
}

/** R5: Owner and Admins always; a User when granted the permission. */
function requirePermission(
  org: ActiveOrganization,
  catalog: PermissionsCatalog,
  actorId: string,
  permission: string,
): void {
  const actor = actorOf(org, actorId);
  if (!actor) refuse('not-a-member', 'forbidden', 'only members act in an organization');
  if (!effectivePermissions(catalog, actor.role, actor.granted).has(permission)) {
    refuse('insufficient-permission', 'forbidden', `requires ${permission}`, { required: permission });
  }
}

/**
 * R20: every permission is known, allowed by the organization's plan, and has its prerequisites among what the member
 * already holds (`held`, role defaults included) or what the same request adds.
 */
function assertGrantable(
  catalog: PermissionsCatalog,
  org: ActiveOrganization,
  held: ReadonlySet<string>,
  permissions: readonly string[],
): void {
  const withRequested = new Set([...held, ...permissions]);
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

/** Removal or leaving: out of every team first, empty teams deleted (R8), seats updated (R15). */
function departure(
  org: ActiveOrganization,
  member: Member,
  type: 'MemberRemoved' | 'MemberLeft',
  stamp: { orgId: string; actorId: string; at: string },
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

function memberOf(org: ActiveOrganization, userId: string): Member {
  const member = org.members.get(userId);
  if (!member)
    refuse('not-a-member', 'not-found', `${userId} is not a member of this organization`, { userId });
  return member;
}

function requireRole(org: ActiveOrganization, actorId: string, roles: readonly Role[]): Member {
  const actor = actorOf(org, actorId);
  if (!actor) refuse('not-a-member', 'forbidden', 'only members act in an organization');
  if (!roles.includes(actor.role)) {
    refuse('insufficient-role', 'forbidden', `requires ${roles.join(' or ')}`, { required: roles });
  }
  return actor;
}

/** R11: Owner and Admins manage any team; a User manages the teams they manage. */
function requireTeamManager(org: ActiveOrganization, actorId: string, teamId: string): void {
  const actor = actorOf(org, actorId);
  if (!actor) refuse('not-a-member', 'forbidden', 'only members act in an organization');
  if (actor.role === 'owner' || actor.role === 'admin') return;
  if (org.teams.get(teamId)?.members.get(actorId) !== 'manager') {
    refuse('insufficient-role', 'forbidden', 'requires owner, admin or a manager of this team (R11)');
  }
}

function teamOf(org: ActiveOrganization, teamId: string) {
  const team = org.teams.get(teamId);
  if (!team) refuse('team-not-found', 'not-found', `no team ${teamId}`, { teamId });
  return team;
}

function validTeamName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > 100) {
    refuse('invalid-name', 'validation', 'team name must be 1 to 100 characters', { field: 'name' });
  }
  return name;
}

function assertTeamNameFree(org: ActiveOrganization, name: string): void {
  for (const team of org.teams.values()) {
    if (team.name.toLowerCase() === name.toLowerCase()) {
      refuse('team-name-taken', 'conflict', `a team named ${name} exists`, { field: 'name' });
    }
  }
}

/** Grants that lose their prerequisites, including those that lose them only once others are gone (to a fixed point). */
function grantsLackingPrerequisites(
  catalog: PermissionsCatalog,
  role: Role,
  granted: ReadonlySet<string>,
): string[] {
  const kept = new Set(granted);
  for (;;) {
    const held = effectivePermissions(catalog, role, kept);
    const lacking = [...kept].filter((p) => missingPrerequisites(catalog, p, held).length > 0);
    if (lacking.length === 0) break;
    for (const p of lacking) kept.delete(p);
  }
  return [...granted].filter((p) => !kept.has(p)).sort();
}
