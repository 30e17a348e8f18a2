import {
  type AuditEventDoc,
  type InvitationDoc,
  type InvitationStatus,
  type MemberDoc,
  type OrganizationDoc,
  type TeamDoc,
  type UserDoc,
} from '../read-models/documents';
import { effectivePermissions, type PermissionsCatalog } from '@app/permissions';
import { type FieldCondition } from '@app/read-store';
import { type Standing } from '../access/org-access';

/** What the API shows of each read model: documents as resources, without storage fields. */

export function userView(user: UserDoc) {
  return {
    userId: user.userId,
    name: user.name,
    email: user.email,
    ...(user.phone ? { phone: user.phone } : {}),
    ...(user.locale ? { locale: user.locale } : {}),
    emailVerified: user.emailVerified,
    twoFactorEnabled: user.twoFactorEnabled,
  };
}

export function organizationView(org: OrganizationDoc, standing: Standing) {
  const can = (p: string) => standing.permissions.has(p);
  return {
    orgId: org.orgId,
    name: org.name,
    plan: org.plan,
    // R13: who holds these roles is a fact about members; a User learns it from the tags of the members they see.
    ...(can('members.read') || org.ownerId === standing.userId
      ? {
          ownerId: org.ownerId,
          ...(org.contactPersonId ? { contactPersonId: org.contactPersonId } : {}),
        }
      : {}),
    settings: {
      autoJoin: org.autoJoin,
      membersMayEditOwnAvailability: org.membersMayEditOwnAvailability,
      requireTwoFactor: org.requireTwoFactor,
    },
    ...(can('org.update') ? { domains: org.domains } : {}),
    // R13, R19: the organizations linked to this one are other tenants; a User is told of none of them, and someone
    // acting through the parent (who knows the parent) of none of its children, where they have no standing.
    ...(can('members.read')
      ? {
          ...(org.parentOrgId ? { parentOrgId: org.parentOrgId } : {}),
          ...(standing.actingVia ? {} : { childOrgIds: org.childOrgIds }),
          memberCount: org.memberCount,
        }
      : {}),
    ...(can('org.billing') ? { seats: org.seats } : {}),
    myRole: standing.role,
    ...(standing.actingVia ? { actingVia: standing.actingVia } : {}),
    myPermissions: [...standing.permissions].sort(),
  };
}

/** Tags as the users page shows them (R1, R15): owner or admin, schedulable, contact person. */
export function memberTags(member: MemberDoc): string[] {
  return [
    ...(member.role === 'owner' ? ['owner'] : member.role === 'admin' ? ['admin'] : []),
    ...(member.schedulable ? ['schedulable'] : []),
    ...(member.contactPerson ? ['contact-person'] : []),
  ];
}

/**
 * A member as the API shows them: their permissions as `catalog` gives their role, plus their grants (what the gateway
 * authorizes with, also after a catalog change); `teamNames` names their teams (one without a name there has none).
 */
export function memberView(
  member: MemberDoc,
  catalog: PermissionsCatalog,
  teamNames: ReadonlyMap<string, string> = new Map(),
) {
  return {
    userId: member.userId,
    ...(member.name !== undefined ? { name: member.name } : {}),
    ...(member.email !== undefined ? { email: member.email } : {}),
    role: member.role,
    tags: memberTags(member),
    permissions: [...effectivePermissions(catalog, member.role, member.granted)].sort(),
    granted: member.granted,
    schedulable: member.schedulable,
    contactPerson: member.contactPerson,
    teams: member.teamIds.map((teamId) => {
      const name = teamNames.get(teamId);
      return {
        teamId,
        ...(name !== undefined ? { name } : {}),
        role: member.managedTeamIds.includes(teamId) ? 'manager' : 'member',
      };
    }),
    ...(member.availability ? { availability: member.availability } : {}),
    joinedAt: member.joinedAt,
  };
}

export function myOrganizationView(member: MemberDoc) {
  return { orgId: member.orgId, name: member.orgName, role: member.role, tags: memberTags(member) };
}

export function teamView(team: TeamDoc) {
  return { teamId: team.teamId, name: team.name, members: team.members, createdAt: team.createdAt };
}

/**
 * The invitations of `orgId` that `invitationView` shows with `status` at `now`: a pending one is listed expired once
 * its sent link has lapsed (`lapsesAt`; never, for one not sent), before the sweep records it so.
 */
export function invitationsWhere(
  orgId: string,
  status: InvitationStatus | undefined,
  now: string,
): Record<string, FieldCondition> {
  if (status === 'pending') return { orgId, status: 'pending', lapsesAt: { $gt: now } };
  if (status === 'expired')
    return { orgId, status: { $in: ['pending', 'expired'] }, lapsesAt: { $lte: now } };
  return status ? { orgId, status } : { orgId };
}

export function invitationView(invitation: InvitationDoc, now = new Date()) {
  // Never sent, it has no link to lapse (R6): the expiry set at its creation means nothing until a send sets one.
  const sent = invitation.sendSequence > 0;
  const expired =
    invitation.status === 'pending' && sent && Date.parse(invitation.expiresAt) <= now.getTime();
  return {
    invitationId: invitation.invitationId,
    ...(invitation.email ? { email: invitation.email } : {}),
    ...(invitation.phone ? { phone: invitation.phone } : {}),
    role: invitation.role,
    teamIds: invitation.teamIds,
    permissions: invitation.permissions,
    status: expired ? 'expired' : invitation.status,
    sent,
    ...(sent ? { expiresAt: invitation.expiresAt } : {}),
    invitedBy: invitation.invitedBy,
    createdAt: invitation.createdAt,
    ...(invitation.acceptedBy ? { acceptedBy: invitation.acceptedBy } : {}),
  };
}

/**
 * One event of the audit list, naming its actor and the member it is about as they were named then, where `nameOf`
 * names them: only people who are or were members of the organization are named.
 */
export function auditEventView(
  event: AuditEventDoc,
  nameOf: (userId: string, at: string) => string | undefined,
) {
  const actorName = nameOf(event.actorId, event.at);
  const about = event.data.userId;
  const userName = typeof about === 'string' ? nameOf(about, event.at) : undefined;
  // The member it is about is `userName` already: `names` holds the others, so most events carry none.
  const names = Object.fromEntries(
    peopleInData(event)
      .filter((userId) => userId !== about)
      .flatMap((userId) => {
        const name = nameOf(userId, event.at);
        return name === undefined ? [] : [[userId, name]];
      }),
  );
  return {
    revision: event.revision,
    eventId: event.eventId,
    type: event.type,
    actorId: event.actorId,
    ...(actorName === undefined ? {} : { actorName }),
    ...(event.actingVia ? { actingVia: event.actingVia } : {}),
    ...(userName === undefined ? {} : { userName }),
    ...(Object.keys(names).length === 0 ? {} : { names }),
    at: event.at,
    correlationId: event.correlationId,
    data: event.data,
  };
}

/** The people an event's data names by id: the member it is about, an organization's first Owner, both Owners of a transfer. */
export function peopleInData(event: Pick<AuditEventDoc, 'type' | 'data'>): string[] {
  const d = event.data;
  const ids = [d.userId, d.ownerId, ...(event.type === 'OwnershipTransferred' ? [d.from, d.to] : [])];
  return [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
}
