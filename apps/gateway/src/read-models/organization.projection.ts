import { erasedValue } from '@app/personal-data';
import { effectivePermissions, type PermissionsCatalog, type Role } from '@app/permissions';
import {
  NEVER_LAPSES,
  orgScoped,
  revisionKey,
  type AuditEventDoc,
  type Availability,
  type InvitationDoc,
  type MemberDoc,
  type OrganizationDoc,
  type RoleIntervalDoc,
  type TeamDoc,
} from './documents';

/** One organization event as the projection needs it (from a CloudEvent of `membership.organization.v1`). */
export interface OrganizationEvent {
  readonly id: string;
  /** The event name without service and version, e.g. `MemberJoined`. */
  readonly type: string;
  readonly orgId: string;
  readonly revision: number;
  readonly actorId: string;
  readonly actingVia?: string;
  readonly correlationId: string;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The documents one event may change, as they are before it. */
export interface OrganizationView {
  readonly org: OrganizationDoc | null;
  readonly members: ReadonlyMap<string, MemberDoc>;
  readonly teams: ReadonlyMap<string, TeamDoc>;
  readonly invitations: ReadonlyMap<string, InvitationDoc>;
  /** The current role interval of each member in `members`. */
  readonly intervals: ReadonlyMap<string, RoleIntervalDoc>;
}

/** What to write: documents at the event's revision, and ids to delete (tombstoned at that revision). */
export interface Changes {
  /** Every event moves the organization's document to its revision: the document's revision is where it stands. */
  org?: OrganizationDoc;
  members: MemberDoc[];
  removedMembers: string[];
  teams: TeamDoc[];
  removedTeams: string[];
  invitations: InvitationDoc[];
  intervals: RoleIntervalDoc[];
  audit: AuditEventDoc;
}

/** What must be loaded before projecting an event: which members, teams and invitations it touches. */
export interface Needs {
  readonly members: 'all' | readonly string[];
  readonly teams: 'all' | readonly string[];
  readonly invitations: 'all' | readonly string[];
  /** The members of these teams too (a team renamed or deleted changes them). */
  readonly membersOfTeams: readonly string[];
}

const str = (data: OrganizationEvent['data'], field: string) => data[field] as string;

export function needsOf(event: OrganizationEvent, org: OrganizationDoc | null): Needs {
  const d = event.data;
  const none: Needs = { members: [], teams: [], invitations: [], membersOfTeams: [] };
  switch (event.type) {
    case 'MemberJoined':
    case 'MemberRoleChanged':
    case 'PermissionsGranted':
    case 'PermissionsRevoked':
    case 'SchedulableChanged':
    case 'AvailabilityChanged':
    case 'MemberRemoved':
    case 'MemberLeft':
      return { ...none, members: [str(d, 'userId')] };
    case 'OwnershipTransferred':
      return { ...none, members: [str(d, 'from'), str(d, 'to')] };
    case 'ContactPersonChanged':
      return { ...none, members: [str(d, 'userId'), ...(org?.contactPersonId ? [org.contactPersonId] : [])] };
    case 'TeamCreated':
      return { ...none, teams: [str(d, 'teamId')] };
    case 'TeamRenamed':
    case 'TeamDeleted':
      return { ...none, teams: [str(d, 'teamId')], membersOfTeams: [str(d, 'teamId')] };
    case 'TeamMemberAdded':
    case 'TeamMemberRemoved':
      return { ...none, teams: [str(d, 'teamId')], members: [str(d, 'userId')] };
    case 'InvitationCreated':
    case 'InvitationChanged':
    case 'InvitationSent':
    case 'InvitationRevoked':
    case 'InvitationAccepted':
    case 'InvitationExpired':
      return { ...none, invitations: [str(d, 'invitationId')] };
    case 'InviteeErased':
      return { ...none, invitations: d.invitationIds as string[] };
    case 'SettingsUpdated':
    case 'OrganizationDeleted':
      return { members: 'all', teams: 'all', invitations: 'all', membersOfTeams: [] };
    default:
      return none;
  }
}

/**
 * Projects one organization event onto the documents it changes: pure, from the documents as they are (`view`) to
 * the documents as they become. The caller writes them with a guard on the revision, so a replay changes nothing.
 */
export function projectOrganizationEvent(
  view: OrganizationView,
  event: OrganizationEvent,
  catalog: PermissionsCatalog,
): Changes {
  const d = event.data;
  const rev = event.revision;
  const org = view.org;
  // R21: a history is read as membership's roster reads it, each event at the latest instant seen so far. The decider
  // stamps no event before the one before it, but histories recorded before it did can go backwards in time: their
  // intervals would overlap, and the audit list's time span could not be found by halving over revisions.
  const backwards = org != null && Date.parse(event.at) < Date.parse(org.updatedAt);
  const at = backwards ? org.updatedAt : event.at;
  const changes: Changes = {
    members: [],
    removedMembers: [],
    teams: [],
    removedTeams: [],
    invitations: [],
    intervals: [],
    audit: { ...auditOf(event, view), ...(backwards ? { reachedAt: at } : {}) },
  };
  const moved = (doc: OrganizationDoc): OrganizationDoc => ({
    ...doc,
    revision: rev,
    updatedAt: at,
    ...(backwards ? { timesGoBack: true } : {}),
  });
  const touchOrg = (patch: Partial<OrganizationDoc>) => {
    if (org) changes.org = moved({ ...org, ...patch });
  };
  const member = (userId: string) => view.members.get(userId);
  const setMember = (next: MemberDoc) => {
    changes.members.push(next);
    recordInterval(next);
  };
  const teamsOf = (next: MemberDoc) =>
    next.teamIds.map((teamId) => {
      const team = changes.teams.find((t) => t.teamId === teamId) ?? view.teams.get(teamId);
      return {
        teamId,
        name: team?.name ?? teamId,
        role: next.managedTeamIds.includes(teamId) ? ('manager' as const) : ('member' as const),
      };
    });
  /** R21: a member's role, permissions or teams changed: the current interval ends, a new one starts. */
  const recordInterval = (next: MemberDoc | undefined, userId = next?.userId) => {
    if (!userId) return;
    const open = view.intervals.get(userId);
    const teams = next ? teamsOf(next) : [];
    if (open && next && sameStanding(open, next, teams)) return;
    if (open) changes.intervals.push({ ...open, revision: rev, validTo: at });
    if (next)
      changes.intervals.push({
        _id: orgScoped(event.orgId, userId, revisionKey(rev)),
        revision: rev,
        orgId: event.orgId,
        userId,
        role: next.role,
        permissions: next.permissions,
        granted: next.granted,
        teams,
        validFrom: at,
        fromRevision: rev,
      });
  };
  const withRole = (m: MemberDoc, role: Role, granted = m.granted): MemberDoc => ({
    ...m,
    revision: rev,
    role,
    granted,
    permissions: [...effectivePermissions(catalog, role, granted)].sort(),
  });

  switch (event.type) {
    case 'OrganizationCreated': {
      const ownerId = str(d, 'ownerId');
      changes.org = {
        _id: event.orgId,
        revision: rev,
        orgId: event.orgId,
        name: str(d, 'name'),
        plan: str(d, 'plan'),
        ownerId,
        contactPersonId: ownerId,
        autoJoin: false,
        membersMayEditOwnAvailability: true,
        requireTwoFactor: false,
        domains: [],
        childOrgIds: [],
        seats: 0,
        memberCount: 1,
        createdAt: event.at,
        updatedAt: event.at,
      };
      setMember({
        _id: orgScoped(event.orgId, ownerId),
        revision: rev,
        orgId: event.orgId,
        userId: ownerId,
        role: 'owner',
        granted: [],
        permissions: [...effectivePermissions(catalog, 'owner', [])].sort(),
        schedulable: false,
        contactPerson: true,
        teamIds: [],
        managedTeamIds: [],
        joinedAt: event.at,
        via: 'creation',
        orgName: str(d, 'name'),
      });
      break;
    }
    case 'MemberJoined': {
      const userId = str(d, 'userId');
      const role = str(d, 'role') as Role;
      setMember({
        _id: orgScoped(event.orgId, userId),
        revision: rev,
        orgId: event.orgId,
        userId,
        role,
        granted: [],
        permissions: [...effectivePermissions(catalog, role, [])].sort(),
        schedulable: false,
        contactPerson: false,
        teamIds: [],
        managedTeamIds: [],
        joinedAt: event.at,
        via: d.via as MemberDoc['via'],
        ...(d.twoFactorEnrollmentRequired ? { twoFactorEnrollmentRequired: true } : {}),
        orgName: org?.name ?? '',
      });
      touchOrg({ memberCount: (org?.memberCount ?? 0) + 1 });
      break;
    }
    case 'MemberRoleChanged': {
      const m = member(str(d, 'userId'));
      if (m) setMember(withRole(m, str(d, 'to') as Role));
      break;
    }
    case 'OwnershipTransferred': {
      const from = member(str(d, 'from'));
      const to = member(str(d, 'to'));
      if (from) setMember(withRole(from, 'admin'));
      if (to) setMember(withRole(to, 'owner'));
      touchOrg({ ownerId: str(d, 'to') });
      break;
    }
    case 'PermissionsGranted':
    case 'PermissionsRevoked': {
      const m = member(str(d, 'userId'));
      if (!m) break;
      const changed = new Set(d.permissions as string[]);
      const granted =
        event.type === 'PermissionsGranted'
          ? [...new Set([...m.granted, ...changed])].sort()
          : m.granted.filter((p) => !changed.has(p));
      setMember(withRole(m, m.role, granted));
      break;
    }
    case 'SchedulableChanged': {
      const m = member(str(d, 'userId'));
      if (m) changes.members.push({ ...m, revision: rev, schedulable: d.schedulable as boolean });
      break;
    }
    case 'SeatsChanged':
      touchOrg({ seats: d.seats as number });
      break;
    case 'AvailabilityChanged': {
      const m = member(str(d, 'userId'));
      const availability: Availability = {
        available: d.available as boolean,
        weekly: d.weekly as Availability['weekly'],
      };
      if (m) changes.members.push({ ...m, revision: rev, availability });
      break;
    }
    case 'ContactPersonChanged': {
      const userId = str(d, 'userId');
      for (const m of view.members.values())
        changes.members.push({ ...m, revision: rev, contactPerson: m.userId === userId });
      touchOrg({ contactPersonId: userId });
      break;
    }
    case 'MemberRemoved':
    case 'MemberLeft': {
      const userId = str(d, 'userId');
      changes.removedMembers.push(userId);
      recordInterval(undefined, userId);
      if (org) {
        const { contactPersonId, ...rest } = org;
        changes.org = moved({
          ...rest,
          ...(contactPersonId && contactPersonId !== userId ? { contactPersonId } : {}),
          memberCount: Math.max(0, org.memberCount - 1),
        });
      }
      break;
    }
    case 'TeamCreated':
      changes.teams.push({
        _id: orgScoped(event.orgId, str(d, 'teamId')),
        revision: rev,
        orgId: event.orgId,
        teamId: str(d, 'teamId'),
        name: str(d, 'name'),
        members: [],
        createdAt: event.at,
      });
      break;
    case 'TeamRenamed': {
      const team = view.teams.get(str(d, 'teamId'));
      if (!team) break;
      changes.teams.push({ ...team, revision: rev, name: str(d, 'name') });
      for (const m of view.members.values())
        if (m.teamIds.includes(team.teamId)) setMember({ ...m, revision: rev });
      break;
    }
    case 'TeamDeleted': {
      const teamId = str(d, 'teamId');
      changes.removedTeams.push(teamId);
      for (const m of view.members.values())
        if (m.teamIds.includes(teamId))
          setMember({
            ...m,
            revision: rev,
            teamIds: m.teamIds.filter((t) => t !== teamId),
            managedTeamIds: m.managedTeamIds.filter((t) => t !== teamId),
          });
      break;
    }
    case 'TeamMemberAdded':
    case 'TeamMemberRemoved': {
      const teamId = str(d, 'teamId');
      const userId = str(d, 'userId');
      const team = view.teams.get(teamId);
      const added = event.type === 'TeamMemberAdded';
      const role = d.role as 'manager' | 'member';
      if (team) {
        // Copied once, not filtered and then spread: a team's list is copied on each of its changes.
        const others = team.members.some((m) => m.userId === userId)
          ? team.members.filter((m) => m.userId !== userId)
          : team.members;
        const members = added ? [...others, { userId, role }] : others;
        changes.teams.push({ ...team, revision: rev, members });
      }
      const m = member(userId);
      if (m) {
        const teamIds = m.teamIds.filter((t) => t !== teamId);
        const managed = m.managedTeamIds.filter((t) => t !== teamId);
        setMember({
          ...m,
          revision: rev,
          teamIds: added ? [...teamIds, teamId].sort() : teamIds,
          managedTeamIds: added && role === 'manager' ? [...managed, teamId].sort() : managed,
        });
      }
      break;
    }
    case 'InvitationCreated':
      changes.invitations.push({
        _id: orgScoped(event.orgId, str(d, 'invitationId')),
        revision: rev,
        orgId: event.orgId,
        invitationId: str(d, 'invitationId'),
        ...(d.email ? { email: str(d, 'email') } : {}),
        ...(d.phone ? { phone: str(d, 'phone') } : {}),
        role: d.role as InvitationDoc['role'],
        teamIds: d.teamIds as string[],
        permissions: d.permissions as string[],
        status: 'pending',
        sendSequence: 0,
        expiresAt: str(d, 'expiresAt'),
        lapsesAt: NEVER_LAPSES,
        invitedBy: event.actorId,
        grantedBy: str(d, 'actorId'),
        createdAt: event.at,
      });
      break;
    case 'InvitationChanged':
    case 'InvitationSent':
    case 'InvitationRevoked':
    case 'InvitationAccepted':
    case 'InvitationExpired': {
      const invitation = view.invitations.get(str(d, 'invitationId'));
      if (invitation) changes.invitations.push({ ...invitation, revision: rev, ...invitationChange(event) });
      break;
    }
    case 'InviteeErased': {
      // The invitee's address reads as a replay of these invitations now would: erased under the key destroyed.
      const [key] = d.erasedKeys as string[];
      for (const invitationId of d.invitationIds as string[]) {
        const invitation = view.invitations.get(invitationId);
        if (!invitation) continue;
        const { email, phone: _phone, ...rest } = invitation;
        changes.invitations.push({
          ...rest,
          revision: rev,
          ...(email !== undefined ? { email: erasedValue('email', key!)! } : {}),
        });
      }
      break;
    }
    case 'SettingsUpdated': {
      touchOrg({
        name: str(d, 'name'),
        autoJoin: d.autoJoin as boolean,
        membersMayEditOwnAvailability: d.membersMayEditOwnAvailability as boolean,
        requireTwoFactor: d.requireTwoFactor as boolean,
      });
      if (org && org.name !== d.name)
        for (const m of view.members.values())
          changes.members.push({ ...m, revision: rev, orgName: str(d, 'name') });
      break;
    }
    case 'DomainClaimed':
      touchOrg({ domains: [...new Set([...(org?.domains ?? []), str(d, 'domain')])].sort() });
      break;
    case 'DomainReleased':
      touchOrg({ domains: (org?.domains ?? []).filter((x) => x !== d.domain) });
      break;
    case 'ChildOrganizationLinked':
      touchOrg({ childOrgIds: [...new Set([...(org?.childOrgIds ?? []), str(d, 'childOrgId')])].sort() });
      break;
    case 'ChildOrganizationUnlinked':
      touchOrg({ childOrgIds: (org?.childOrgIds ?? []).filter((x) => x !== d.childOrgId) });
      break;
    case 'ParentOrganizationLinked':
      touchOrg({ parentOrgId: str(d, 'parentOrgId') });
      break;
    case 'ParentOrganizationUnlinked':
      if (org) {
        const { parentOrgId, ...rest } = org;
        changes.org = moved({
          ...rest,
          ...(parentOrgId && parentOrgId !== d.parentOrgId ? { parentOrgId } : {}),
        });
      }
      break;
    case 'OrganizationDeleted':
      touchOrg({ deleted: true, memberCount: 0, seats: 0 });
      for (const m of view.members.values()) {
        changes.removedMembers.push(m.userId);
        recordInterval(undefined, m.userId);
      }
      for (const t of view.teams.values()) changes.removedTeams.push(t.teamId);
      for (const i of view.invitations.values())
        if (i.status === 'pending') changes.invitations.push({ ...i, revision: rev, status: 'revoked' });
      break;
    default:
      break;
  }
  if (!changes.org && org) changes.org = moved(org);
  return changes;
}

function invitationChange(event: OrganizationEvent): Partial<InvitationDoc> {
  const d = event.data;
  switch (event.type) {
    case 'InvitationChanged':
      return {
        role: d.role as InvitationDoc['role'],
        teamIds: d.teamIds as string[],
        permissions: d.permissions as string[],
        grantedBy: d.actorId as string,
      };
    case 'InvitationSent':
      return {
        sendSequence: d.sendSequence as number,
        expiresAt: d.expiresAt as string,
        lapsesAt: d.expiresAt as string,
      };
    case 'InvitationRevoked':
      return { status: 'revoked' };
    case 'InvitationExpired':
      return { status: 'expired', lapsesAt: event.at };
    default:
      return { status: 'accepted', acceptedBy: d.userId as string };
  }
}

function sameStanding(
  interval: RoleIntervalDoc,
  member: MemberDoc,
  teams: RoleIntervalDoc['teams'],
): boolean {
  return (
    interval.role === member.role &&
    sameItems(interval.permissions, member.permissions, (a, b) => a === b) &&
    sameItems(interval.granted ?? [], member.granted, (a, b) => a === b) &&
    sameItems(
      interval.teams,
      teams,
      (a, b) => a.teamId === b.teamId && a.name === b.name && a.role === b.role,
    )
  );
}

function sameItems<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i]!));
}

/** Through which parent the responsible actor acted (R19): the event's own word when it names its actor. */
function actingViaOf(event: OrganizationEvent): { actingVia?: string } {
  const { actorId, actingVia } = event.data;
  const via = typeof actorId === 'string' && actorId !== event.actorId ? actingVia : event.actingVia;
  return typeof via === 'string' && via !== '' ? { actingVia: via } : {};
}

function auditOf(event: OrganizationEvent, view: OrganizationView): AuditEventDoc {
  const actorId = typeof event.data.actorId === 'string' ? event.data.actorId : event.actorId;
  return {
    _id: orgScoped(event.orgId, revisionKey(event.revision)),
    revision: event.revision,
    orgId: event.orgId,
    eventId: event.id,
    type: event.type,
    // Who is responsible, as the audit CLI says it: the event's own actor (grants that came with an invitation are
    // the inviter's, although the invitee's acceptance appended them), else whoever sent the command.
    actorId,
    ...actingViaOf(event),
    at: event.at,
    correlationId: event.correlationId,
    data: event.data,
    involves: [...new Set([actorId, ...aboutWhom(event, view)])],
  };
}

/**
 * The members a change is about: the one it names, both Owners of a transfer, the contact person before and after,
 * everyone in a deleted team, every member of a deleted organization (as they were just before it).
 */
function aboutWhom(event: OrganizationEvent, view: OrganizationView): string[] {
  const d = event.data;
  switch (event.type) {
    case 'OwnershipTransferred':
      return [str(d, 'from'), str(d, 'to')];
    case 'TeamDeleted':
      return [...view.members.values()]
        .filter((m) => m.teamIds.includes(str(d, 'teamId')))
        .map((m) => m.userId);
    case 'OrganizationDeleted':
      return [...view.members.values()].map((m) => m.userId);
    case 'ContactPersonChanged':
      // The member who stops being the contact person too.
      return [str(d, 'userId'), ...(view.org?.contactPersonId ? [view.org.contactPersonId] : [])];
    default:
      return typeof d.userId === 'string' ? [d.userId] : [];
  }
}
