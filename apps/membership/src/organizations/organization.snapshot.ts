import { type SnapshotPolicy } from '@app/event-store';
import { type Availability, type TeamRole } from './organization.events';
import {
  type ActiveOrganization,
  type Invitation,
  type Member,
  grantsOf,
  type OrganizationState,
} from './organization.state';
import { type Role } from '@app/permissions';

type MemberRowV8 = [string, Role, string[], boolean, string, Availability | null];

/**
 * The members column by column: a 10,000-member organization's snapshot parses and is rebuilt in about half the time
 * of one array per member, and a cold load is mostly that. Grants and availability are kept only for those that
 * have them, by position.
 */
interface MemberColumns {
  userIds: string[];
  roles: Role[];
  joinedAt: string[];
  schedulable: number[];
  granted: [number, string[]][];
  availability: [number, Availability][];
}

/** Plain JSON form of the state. Bump `version` when the state's shape changes: old snapshots are then ignored. */
interface OrganizationSnapshot<Members> {
  status: 'none' | 'active' | 'deleted';
  org?: {
    orgId: string;
    name: string;
    plan: string;
    ownerId: string;
    contactPersonId: string | null;
    seats: number;
    autoJoin: boolean;
    autoJoinSince: string | null;
    membersMayEditOwnAvailability: boolean;
    requireTwoFactor: boolean;
    domains: [string, string][];
    parentOrgId: string | null;
    childOrgIds: string[];
    formerMembers: string[];
    lastEventAt: string;
    members: Members;
    teams: [string, string, [string, TeamRole][]][];
    invitations: Invitation[];
  };
}

const VERSION = 9;
/** Members one array each. */
const MEMBER_ROWS_VERSION = 8;

export function toOrganizationSnapshot(state: OrganizationState): OrganizationSnapshot<MemberColumns> {
  if (state.status === 'none') return { status: 'none' };
  return {
    status: state.status,
    org: {
      orgId: state.orgId,
      name: state.name,
      plan: state.plan,
      ownerId: state.ownerId,
      contactPersonId: state.contactPersonId ?? null,
      seats: state.seats,
      autoJoin: state.autoJoin,
      autoJoinSince: state.autoJoinSince ?? null,
      membersMayEditOwnAvailability: state.membersMayEditOwnAvailability,
      requireTwoFactor: state.requireTwoFactor,
      domains: [...state.domains],
      parentOrgId: state.parentOrgId ?? null,
      childOrgIds: [...state.childOrgIds],
      formerMembers: [...state.formerMembers],
      lastEventAt: state.lastEventAt,
      members: memberColumnsOf(state.members),
      teams: [...state.teams.values()].map((t) => [t.teamId, t.name, [...t.members]]),
      invitations: [...state.invitations.values()].map((i) => ({
        ...i,
        teamIds: [...i.teamIds],
        permissions: [...i.permissions],
      })),
    },
  };
}

function memberColumnsOf(members: ReadonlyMap<string, Member>): MemberColumns {
  const columns: MemberColumns = {
    userIds: [],
    roles: [],
    joinedAt: [],
    schedulable: [],
    granted: [],
    availability: [],
  };
  let i = 0;
  for (const m of members.values()) {
    columns.userIds.push(m.userId);
    columns.roles.push(m.role);
    columns.joinedAt.push(m.joinedAt);
    if (m.schedulable) columns.schedulable.push(i);
    if (m.granted.size > 0) columns.granted.push([i, [...m.granted]]);
    // A copy: the snapshot is serialised after the sealing's awaits, while commands go on evolving the state.
    if (m.availability)
      columns.availability.push([
        i,
        { ...m.availability, weekly: m.availability.weekly.map((w) => ({ ...w })) },
      ]);
    i++;
  }
  return columns;
}

/** Reads version 9 (members by column) and version 8 (one array per member), told apart by their shape. */
export function fromOrganizationSnapshot(json: unknown): OrganizationState {
  const snapshot = json as OrganizationSnapshot<MemberColumns | MemberRowV8[]>;
  if (snapshot.status === 'none' || !snapshot.org) return { status: 'none' };
  const o = snapshot.org;
  const state: ActiveOrganization = {
    status: snapshot.status,
    orgId: o.orgId,
    name: o.name,
    plan: o.plan,
    ownerId: o.ownerId,
    contactPersonId: o.contactPersonId ?? undefined,
    seats: o.seats,
    autoJoin: o.autoJoin,
    autoJoinSince: o.autoJoinSince ?? undefined,
    membersMayEditOwnAvailability: o.membersMayEditOwnAvailability,
    requireTwoFactor: o.requireTwoFactor,
    domains: new Map(o.domains),
    parentOrgId: o.parentOrgId ?? undefined,
    childOrgIds: new Set(o.childOrgIds),
    formerMembers: new Set(o.formerMembers),
    lastEventAt: o.lastEventAt,
    members: Array.isArray(o.members) ? membersOfRows(o.members) : membersOfColumns(o.members),
    teams: new Map(
      o.teams.map(([teamId, name, members]) => [teamId, { teamId, name, members: new Map(members) }]),
    ),
    invitations: new Map(o.invitations.map((i) => [i.invitationId, { ...i }])),
  };
  return state;
}

function membersOfColumns(columns: MemberColumns): Map<string, Member> {
  const granted = new Map(columns.granted);
  const availability = new Map(columns.availability);
  // An array, not a set: building a set of thousands of indexes cost as much as the members' map.
  const schedulable = new Array<boolean>(columns.userIds.length).fill(false);
  for (const i of columns.schedulable) schedulable[i] = true;
  const members = new Map<string, Member>();
  for (let i = 0; i < columns.userIds.length; i++) {
    const userId = columns.userIds[i]!;
    const own = availability.get(i);
    members.set(userId, {
      userId,
      role: columns.roles[i]!,
      granted: grantsOf(granted.get(i)),
      schedulable: schedulable[i]!,
      joinedAt: columns.joinedAt[i]!,
      ...(own ? { availability: own } : {}),
    });
  }
  return members;
}

function membersOfRows(rows: MemberRowV8[]): Map<string, Member> {
  return new Map(
    rows.map(([userId, role, granted, schedulable, joinedAt, availability]) => [
      userId,
      {
        userId,
        role,
        granted: grantsOf(granted),
        schedulable,
        joinedAt,
        ...(availability ? { availability } : {}),
      },
    ]),
  );
}

/** Long histories load from a snapshot plus a tail of at most `every` events. */
export const organizationSnapshots: SnapshotPolicy<OrganizationState> = {
  version: VERSION,
  alsoReads: [MEMBER_ROWS_VERSION],
  every: 100,
  toSnapshot: toOrganizationSnapshot,
  fromSnapshot: fromOrganizationSnapshot,
};
