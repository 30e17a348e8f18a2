import { type Availability, type OrganizationEvent, type TeamRole } from './organization.events';
import { type Role } from '@app/permissions';

export interface Member {
  readonly userId: string;
  role: Role;
  /** Replaced, never changed in place: members without grants share `NO_GRANTS`. */
  granted: ReadonlySet<string>;
  schedulable: boolean;
  readonly joinedAt: string;
  availability?: Availability;
}

const CHANGED_IN_PLACE = "NO_GRANTS is shared: replace a member's grants, never change them in place";

/** A set no code can add to: one shared by every member without grants of their own. */
class NoGrants extends Set<string> {
  override add(): this {
    throw new TypeError(CHANGED_IN_PLACE);
  }

  override delete(): boolean {
    throw new TypeError(CHANGED_IN_PLACE);
  }

  override clear(): void {
    throw new TypeError(CHANGED_IN_PLACE);
  }
}

export const NO_GRANTS: ReadonlySet<string> = new NoGrants();

/** Most members have no grants of their own: they share one empty set instead of 10,000 of them. */
export function grantsOf(permissions: readonly string[] | undefined): ReadonlySet<string> {
  return permissions?.length ? new Set(permissions) : NO_GRANTS;
}

export interface Team {
  readonly teamId: string;
  name: string;
  readonly members: Map<string, TeamRole>;
}

export interface Invitation {
  readonly invitationId: string;
  readonly email: string | undefined;
  readonly phone: string | undefined;
  role: 'admin' | 'user';
  teamIds: string[];
  permissions: string[];
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  /** Who set its role and permissions last: the source of what acceptance grants (R21). */
  grantedBy: string;
  expiresAt: string;
  sendSequence: number;
  acceptedBy: string | undefined;
}

export interface ActiveOrganization {
  readonly status: 'active' | 'deleted';
  readonly orgId: string;
  name: string;
  plan: string;
  ownerId: string;
  contactPersonId: string | undefined;
  readonly members: Map<string, Member>;
  readonly teams: Map<string, Team>;
  readonly invitations: Map<string, Invitation>;
  seats: number;
  autoJoin: boolean;
  /** When auto-join was last turned on (R16: an address verified before that is not auto-joined); unset while off. */
  autoJoinSince: string | undefined;
  membersMayEditOwnAvailability: boolean;
  requireTwoFactor: boolean;
  /** The claimed e-mail domains, each with when it was claimed (R16). */
  readonly domains: Map<string, string>;
  /** R19: one parent at most; the parent's `customers.manage` holders act as Admin here. */
  parentOrgId: string | undefined;
  readonly childOrgIds: Set<string>;
  /** People who left or were removed, until they join again: auto-join (R16) does not bring them back. */
  readonly formerMembers: Set<string>;
  /** Time of the newest event: later events are never stamped earlier (R21 reads history by time). */
  lastEventAt: string;
}

export type OrganizationState = { readonly status: 'none' } | ActiveOrganization;

export const initialOrganizationState = (): OrganizationState => ({ status: 'none' });

/**
 * Applies one event. It takes ownership of the state it is given and updates it in place: the aggregate store and
 * `fold` never use a state again after evolving it, and copying 10,000 members per event would make a 200,000-event
 * history quadratic. `decide` never mutates.
 */
export function evolveOrganization(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  if (event.type === 'OrganizationCreated') {
    const { orgId, name, plan, ownerId, at } = event.data;
    return {
      status: 'active',
      orgId,
      name,
      plan,
      ownerId,
      contactPersonId: ownerId,
      members: new Map([
        [ownerId, { userId: ownerId, role: 'owner', granted: NO_GRANTS, schedulable: false, joinedAt: at }],
      ]),
      teams: new Map(),
      invitations: new Map(),
      seats: 0,
      autoJoin: false,
      autoJoinSince: undefined,
      membersMayEditOwnAvailability: true,
      requireTwoFactor: false,
      domains: new Map(),
      parentOrgId: undefined,
      childOrgIds: new Set(),
      formerMembers: new Set(),
      lastEventAt: at,
    };
  }
  if (state.status === 'none') return state;
  const org = state;
  org.lastEventAt = latestOf(org.lastEventAt, event.data.at);
  switch (event.type) {
    case 'MemberJoined': {
      const { userId, role, at } = event.data;
      org.members.set(userId, { userId, role, granted: NO_GRANTS, schedulable: false, joinedAt: at });
      org.formerMembers.delete(userId);
      return org;
    }
    case 'MemberRoleChanged': {
      const member = org.members.get(event.data.userId);
      if (member) member.role = event.data.to;
      return org;
    }
    case 'OwnershipTransferred': {
      const previous = org.members.get(event.data.from);
      const next = org.members.get(event.data.to);
      if (previous) previous.role = 'admin';
      if (next) next.role = 'owner';
      org.ownerId = event.data.to;
      return org;
    }
    case 'PermissionsGranted': {
      const member = org.members.get(event.data.userId);
      if (member) member.granted = grantsOf([...member.granted, ...event.data.permissions]);
      return org;
    }
    case 'PermissionsRevoked': {
      const member = org.members.get(event.data.userId);
      const revoked = new Set(event.data.permissions);
      if (member) member.granted = grantsOf([...member.granted].filter((p) => !revoked.has(p)));
      return org;
    }
    case 'SchedulableChanged': {
      const member = org.members.get(event.data.userId);
      if (member) member.schedulable = event.data.schedulable;
      return org;
    }
    case 'SeatsChanged':
      org.seats = event.data.seats;
      return org;
    case 'MemberRemoved':
    case 'MemberLeft': {
      org.members.delete(event.data.userId);
      // One who left with their deleted account (the system records it) can never verify an address again.
      if (event.type === 'MemberRemoved' || event.data.actorId !== 'system')
        org.formerMembers.add(event.data.userId);
      for (const team of org.teams.values()) team.members.delete(event.data.userId);
      if (org.contactPersonId === event.data.userId) org.contactPersonId = undefined;
      return org;
    }
    case 'TeamCreated':
      org.teams.set(event.data.teamId, {
        teamId: event.data.teamId,
        name: event.data.name,
        members: new Map(),
      });
      return org;
    case 'TeamRenamed': {
      const team = org.teams.get(event.data.teamId);
      if (team) team.name = event.data.name;
      return org;
    }
    case 'TeamDeleted':
      org.teams.delete(event.data.teamId);
      return org;
    case 'TeamMemberAdded':
      org.teams.get(event.data.teamId)?.members.set(event.data.userId, event.data.role);
      return org;
    case 'TeamMemberRemoved':
      org.teams.get(event.data.teamId)?.members.delete(event.data.userId);
      return org;
    case 'InvitationCreated': {
      const d = event.data;
      org.invitations.set(d.invitationId, {
        invitationId: d.invitationId,
        email: d.email,
        phone: d.phone,
        role: d.role,
        teamIds: [...d.teamIds],
        permissions: [...d.permissions],
        status: 'pending',
        grantedBy: d.actorId,
        expiresAt: d.expiresAt,
        sendSequence: 0,
        acceptedBy: undefined,
      });
      return org;
    }
    case 'InvitationChanged': {
      const invitation = org.invitations.get(event.data.invitationId);
      if (invitation) {
        invitation.role = event.data.role;
        invitation.teamIds = [...event.data.teamIds];
        invitation.permissions = [...event.data.permissions];
        invitation.grantedBy = event.data.actorId;
      }
      return org;
    }
    case 'InvitationSent': {
      const invitation = org.invitations.get(event.data.invitationId);
      if (invitation) {
        invitation.sendSequence = event.data.sendSequence;
        invitation.expiresAt = event.data.expiresAt;
      }
      return org;
    }
    case 'InvitationRevoked':
    case 'InvitationExpired': {
      const invitation = org.invitations.get(event.data.invitationId);
      if (invitation) invitation.status = event.type === 'InvitationRevoked' ? 'revoked' : 'expired';
      return org;
    }
    case 'InviteeErased':
      for (const invitationId of event.data.invitationIds) {
        const invitation = org.invitations.get(invitationId);
        if (invitation)
          org.invitations.set(invitationId, { ...invitation, email: undefined, phone: undefined });
      }
      return org;
    case 'InvitationAccepted': {
      const invitation = org.invitations.get(event.data.invitationId);
      if (invitation) {
        invitation.status = 'accepted';
        invitation.acceptedBy = event.data.userId;
      }
      return org;
    }
    case 'SettingsUpdated':
      org.name = event.data.name;
      if (!event.data.autoJoin) org.autoJoinSince = undefined;
      else if (!org.autoJoin) org.autoJoinSince = event.data.at;
      org.autoJoin = event.data.autoJoin;
      org.membersMayEditOwnAvailability = event.data.membersMayEditOwnAvailability;
      org.requireTwoFactor = event.data.requireTwoFactor;
      return org;
    case 'DomainClaimed':
      org.domains.set(event.data.domain, event.data.at);
      return org;
    case 'DomainReleased':
      org.domains.delete(event.data.domain);
      return org;
    case 'ContactPersonChanged':
      org.contactPersonId = event.data.userId;
      return org;
    case 'AvailabilityChanged': {
      const member = org.members.get(event.data.userId);
      if (member)
        member.availability = {
          available: event.data.available,
          weekly: event.data.weekly.map((w) => ({ ...w })),
        };
      return org;
    }
    case 'ChildOrganizationLinked':
      org.childOrgIds.add(event.data.childOrgId);
      return org;
    case 'ChildOrganizationUnlinked':
      org.childOrgIds.delete(event.data.childOrgId);
      return org;
    case 'ParentOrganizationLinked':
      org.parentOrgId = event.data.parentOrgId;
      return org;
    case 'ParentOrganizationUnlinked':
      if (org.parentOrgId === event.data.parentOrgId) org.parentOrgId = undefined;
      return org;
    case 'PasswordResetRequested':
      return org;
    case 'OrganizationDeleted':
      org.members.clear();
      org.teams.clear();
      org.seats = 0;
      return { ...org, status: 'deleted' };
  }
}

export function billableSeats(org: ActiveOrganization): number {
  let seats = 0;
  for (const member of org.members.values()) if (member.schedulable) seats++;
  return seats;
}

/** The later of two ISO-8601 instants (compared as instants: `…00Z` and `…00.000Z` are the same time). */
export function latestOf(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}
