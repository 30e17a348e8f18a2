import { type SnapshotPolicy } from '@app/event-store';
import { type Availability, type TeamRole } from './organization.events';
import { type ActiveOrganization, type Invitation, type OrganizationState } from './organization.state';
import { type Role } from '@app/permissions';

/** Plain JSON form of the state. Bump `version` when the state's shape changes: old snapshots are then ignored. */
interface OrganizationSnapshotV8 {
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
    members: [string, Role, string[], boolean, string, Availability | null][];
    teams: [string, string, [string, TeamRole][]][];
    invitations: Invitation[];
  };
}

export function toOrganizationSnapshot(state: OrganizationState): OrganizationSnapshotV8 {
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
      members: [...state.members.values()].map((m) => [
        m.userId,
        m.role,
        [...m.granted],
        m.schedulable,
        m.joinedAt,
        m.availability ?? null,
      ]),
      teams: [...state.teams.values()].map((t) => [t.teamId, t.name, [...t.members]]),
      invitations: [...state.invitations.values()].map((i) => ({ ...i })),
    },
  };
}

export function fromOrganizationSnapshot(json: unknown): OrganizationState {
  const snapshot = json as OrganizationSnapshotV8;
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
    members: new Map(
      o.members.map(([userId, role, granted, schedulable, joinedAt, availability]) => [
        userId,
        {
          userId,
          role,
          granted: new Set(granted),
          schedulable,
          joinedAt,
          ...(availability ? { availability } : {}),
        },
      ]),
    ),
    teams: new Map(
      o.teams.map(([teamId, name, members]) => [teamId, { teamId, name, members: new Map(members) }]),
    ),
    invitations: new Map(o.invitations.map((i) => [i.invitationId, { ...i }])),
  };
  return state;
}

/** Long histories load from a snapshot plus a tail of at most `every` events. */
export const organizationSnapshots: SnapshotPolicy<OrganizationState> = {
  version: 8,
  every: 100,
  toSnapshot: toOrganizationSnapshot,
  fromSnapshot: fromOrganizationSnapshot,
};
