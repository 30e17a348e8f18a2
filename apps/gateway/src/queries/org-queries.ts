import { Inject, Injectable } from '@nestjs/common';
import { erasedValue } from '@app/personal-data';
import { DomainError } from '@app/domain';
import {
  encodeCursor,
  type FieldCondition,
  type Page,
  type ReadModelCollection,
  type ReadModelDocument,
  type Range,
} from '@app/read-store';
import { type Standing } from '../access/org-access';
import { READ_MODELS } from '../gateway.tokens';
import {
  nameAt,
  orgScoped,
  revisionKey,
  type AuditEventDoc,
  type MemberDoc,
  type OrganizationDoc,
  type RoleIntervalDoc,
  type TeamDoc,
  type UserDoc,
} from '../read-models/documents';
import { findAll, type ReadModels } from '../read-models/read-models';

export interface MemberFilters {
  readonly role?: 'owner' | 'admin' | 'user';
  readonly schedulable?: boolean;
  readonly teamId?: string;
  readonly q?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * The read side's questions, always within one organization (every query carries its `orgId`), and R13: holders of
 * `members.read` (Owner and Admins) see everyone; a User sees themself, the teams they belong to and those teams'
 * members.
 */
/** What tells an audit event's place in its organization's history. */
export type AuditMoment = Pick<AuditEventDoc, 'revision' | 'at' | 'reachedAt' | 'actingVia'>;

@Injectable()
export class OrgQueries {
  constructor(@Inject(READ_MODELS) private readonly models: ReadModels) {}

  async members(standing: Standing, filters: MemberFilters, page: PageRequest): Promise<Page<MemberDoc>> {
    const seesAll = standing.permissions.has('members.read');
    // R13: a team the caller is not in is not there for them, so nobody is in it.
    if (filters.teamId && !seesAll && !teamsOf(standing).has(filters.teamId)) return { items: [] };
    const where: Record<string, FieldCondition> = { orgId: standing.org.orgId };
    if (filters.role) where.role = filters.role;
    if (filters.schedulable !== undefined) where.schedulable = filters.schedulable;
    if (filters.teamId) where.teamIds = filters.teamId;
    // By document id, which every store looks up directly, rather than by a field that would scan the organization.
    if (!seesAll)
      where._id = {
        $in: (await this.visibleTo(standing)).map((userId) => orgScoped(standing.org.orgId, userId)),
      };
    const found = await this.models.members.find(
      { where, ...(filters.q ? { search: { text: filters.q, fields: ['name', 'email'] } } : {}) },
      page,
    );
    return { ...found, items: found.items.map((member) => asSeenBy(standing, member)) };
  }

  /** One member, or `not-a-member` when there is none the caller may see (R13). */
  async member(standing: Standing, userId: string): Promise<MemberDoc> {
    // Whom the caller may see is worked out first, the same for a hidden member and for nobody: the answer's time must
    // not tell the two apart either.
    if (!standing.permissions.has('members.read') && !(await this.visibleTo(standing)).includes(userId))
      throw notAMember(userId);
    const member = await this.models.members.get(orgScoped(standing.org.orgId, userId));
    if (!member) throw notAMember(userId);
    return asSeenBy(standing, member);
  }

  /**
   * The names of these teams of the organization, to show with a member's teams (already those the caller may see).
   * A team the read model does not have yet is left out.
   */
  async teamNames(orgId: string, teamIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const teams = await inOrganization(this.models.teams, orgId, teamIds);
    return new Map(teams.map((team) => [team.teamId, team.name]));
  }

  /** These members' own grants, as they are now (for role intervals projected before intervals kept them). */
  async grantsOf(orgId: string, userIds: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>> {
    const members = await inOrganization(this.models.members, orgId, userIds);
    return new Map(members.map((member) => [member.userId, member.granted]));
  }

  async teams(standing: Standing, page: PageRequest): Promise<Page<TeamDoc>> {
    const where: Record<string, FieldCondition> = { orgId: standing.org.orgId };
    // R13: a User sees the teams they belong to, as their own member document lists them.
    if (!standing.permissions.has('members.read')) where.teamId = { $in: [...teamsOf(standing)] };
    return this.models.teams.find({ where }, page);
  }

  async team(standing: Standing, teamId: string): Promise<TeamDoc> {
    const team = await this.models.teams.get(orgScoped(standing.org.orgId, teamId));
    if (!team || (!standing.permissions.has('members.read') && !teamsOf(standing).has(teamId)))
      throw new DomainError('team-not-found', 'not-found', `no team ${teamId}`, { teamId });
    return team;
  }

  /** R19: the organization's children, but for those deleted since they were linked (the link stays until undone). */
  async childrenOf(org: OrganizationDoc): Promise<string[]> {
    const deleted = new Set<string>();
    for (let i = 0; i < org.childOrgIds.length; i += 500)
      for (const child of await findAll(this.models.organizations, {
        where: { _id: { $in: org.childOrgIds.slice(i, i + 500) }, deleted: true },
      }))
        deleted.add(child.orgId);
    return org.childOrgIds.filter((childOrgId) => !deleted.has(childOrgId));
  }

  /**
   * R21: a page of every member's role, permissions and teams as they were at `at`, in the order of their user ids
   * (a member's intervals sort together, under their id): those after the interval `after`, at most `limit`. `more`
   * says whether others follow.
   */
  async rosterAt(
    standing: Standing,
    at: string,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<{ intervals: RoleIntervalDoc[]; more: boolean }> {
    const intervals: RoleIntervalDoc[] = [];
    let cursor = page.after === undefined ? undefined : encodeCursor(page.after);
    do {
      const found = await this.models.roleIntervals.find(
        { where: { orgId: standing.org.orgId, validFrom: { $lte: at } } },
        { limit: 1_000, ...(cursor ? { cursor } : {}) },
      );
      for (const interval of found.items) {
        if (interval.validTo && interval.validTo <= at) continue;
        if (intervals.length === page.limit) return { intervals, more: true };
        intervals.push(interval);
      }
      cursor = found.nextCursor;
    } while (cursor);
    return { intervals, more: false };
  }

  /**
   * Each user's name as it was at `at` (R21: an organization does not follow the later names of someone who has left
   * it). A user the read model no longer holds was deleted, and deleting erases: such a user is named
   * `erased user <id>`, as a replay of their events names them.
   */
  async namesAt(userIds: readonly string[], at: string): Promise<Map<string, string>> {
    const nameOf = await this.namesOver(userIds);
    return new Map(userIds.map((id) => [id, nameOf(id, at)]));
  }

  /**
   * The `_id` range of an organization's audit events recorded from `from` to `to` (either may be absent; instants
   * as stored): the decider stamps no event before the one before it, so each end is found by halving over the
   * revisions rather than by reading every event before it. Undefined where an event is missing from the read model,
   * or where the history's times go backwards somewhere (recorded before the decider kept them in order): there the
   * list filters on each event's own time alone.
   */
  async auditSpan(org: OrganizationDoc, from?: string, to?: string): Promise<Range | undefined> {
    if (org.timesGoBack) return undefined;
    const firstWhere = async (reached: (at: string) => boolean): Promise<number | undefined> => {
      let lo = 0;
      let hi = org.revision + 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const event = await this.models.auditEvents.get(orgScoped(org.orgId, revisionKey(mid)));
        if (!event) return undefined;
        if (reached(event.at)) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    const first = from === undefined ? 0 : await firstWhere((at) => at >= from);
    const end = to === undefined ? org.revision + 1 : await firstWhere((at) => at > to);
    if (first === undefined || end === undefined) return undefined;
    return { $gte: orgScoped(org.orgId, revisionKey(first)), $lt: orgScoped(org.orgId, revisionKey(end)) };
  }

  /**
   * When each of `userIds` was a member of the organization (their role intervals there, R21): `memberAt` tells whether
   * one was at an event of its stream, by revision (events may share an instant, and old histories have times that go
   * backwards), the events that ended a membership included (their leaving is theirs still). So are the other events
   * of the instant a membership began or ended, unless acted through a parent: what the same command recorded
   * (accepting an invitation before joining; a team emptied after leaving).
   */
  async membershipsOf(
    orgId: string,
    userIds: readonly string[],
  ): Promise<{ everMembers: string[]; memberAt: (userId: string, event: AuditMoment) => boolean }> {
    const ids = [...new Set(userIds)];
    // One query for the page's people, on the `{orgId, userId}` index (a few intervals each).
    const intervals =
      ids.length === 0
        ? []
        : await findAll(this.models.roleIntervals, { where: { orgId, userId: { $in: ids } } });
    const byUser = new Map<string, RoleIntervalDoc[]>();
    for (const interval of intervals)
      byUser.set(interval.userId, [...(byUser.get(interval.userId) ?? []), interval]);
    // A closed interval was last written by the event that closed it.
    // Instants as the intervals hold them: where an old history's time went back, the one it had reached.
    const within = (i: RoleIntervalDoc, { revision, at, reachedAt = at, actingVia }: AuditMoment) =>
      (i.fromRevision <= revision && (i.validTo === undefined || revision <= i.revision)) ||
      (actingVia === undefined && (reachedAt === i.validFrom || reachedAt === i.validTo));
    return {
      everMembers: [...byUser.keys()],
      memberAt: (userId, event) => (byUser.get(userId) ?? []).some((i) => within(i, event)),
    };
  }

  /** As `namesAt`, for instants that differ by user (each event of an audit page names people as they were then). */
  async namesOver(userIds: readonly string[]): Promise<(userId: string, at: string) => string> {
    const ids = [...new Set(userIds)];
    const found = new Map<string, UserDoc>();
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      for (const user of await findAll(this.models.users, { where: { _id: { $in: batch } } }))
        found.set(user.userId, user);
    }
    return (userId, at) => {
      const user = found.get(userId);
      return user ? nameAt(user, at) : erasedValue('name', userId)!;
    };
  }

  /** R13: the caller, and the members of the teams they belong to. */
  private async visibleTo(standing: Standing): Promise<string[]> {
    const visible = new Set([standing.userId]);
    const teams = await inOrganization(this.models.teams, standing.org.orgId, standing.member?.teamIds ?? []);
    for (const team of teams) for (const { userId } of team.members) visible.add(userId);
    return [...visible];
  }
}

function notAMember(userId: string): DomainError {
  return new DomainError('not-a-member', 'not-found', `${userId} is not a member of this organization`, {
    userId,
  });
}

/** The documents of one organization with these ids (by document id, which every store looks up directly). */
async function inOrganization<D extends ReadModelDocument>(
  collection: ReadModelCollection<D>,
  orgId: string,
  ids: readonly string[],
): Promise<D[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const found = await collection.find(
    { where: { orgId, _id: { $in: unique.map((id) => orgScoped(orgId, id)) } } },
    { limit: unique.length },
  );
  return found.items;
}

/** The teams the caller belongs to, as their own member document lists them. */
function teamsOf(standing: Standing): ReadonlySet<string> {
  return new Set(standing.member?.teamIds ?? []);
}

/**
 * R13: to a User, a member they may see is in the teams they share with them, and no other: the rest of that
 * member's teams are teams the User does not see.
 */
function asSeenBy(standing: Standing, member: MemberDoc): MemberDoc {
  if (standing.permissions.has('members.read')) return member;
  const shared = teamsOf(standing);
  return {
    ...member,
    teamIds: member.teamIds.filter((teamId) => shared.has(teamId)),
    managedTeamIds: member.managedTeamIds.filter((teamId) => shared.has(teamId)),
  };
}
