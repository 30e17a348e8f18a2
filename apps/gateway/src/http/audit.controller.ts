import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OrgAccess } from '../access/org-access';
import { CurrentCaller, type Caller } from '../auth/caller';
import { Inject } from '@nestjs/common';
import { READ_MODELS } from '../gateway.tokens';
import { type ReadModels } from '../read-models/read-models';
import { type AuditEventDoc } from '../read-models/documents';
import { DependencyUnavailableError } from '@app/messaging';
import { type FieldCondition, type Range } from '@app/read-store';
import { ReadYourWrites } from '../commands/read-your-writes';
import { OrgQueries } from '../queries/org-queries';
import { PermissionsHistory } from '../queries/permissions-history';
import { auditEventView, peopleInData } from '../queries/views';
import { readInstant } from '@app/text';
import { AuditEventsQuery, RosterQuery } from './dto/org.dto';
import { AuditEventView, RosterView, answers, answersPage } from './dto/views.dto';
import { problems } from './problems';
import { ReadsReadModels } from '../read-models/read-models-filled.guard';
import { ListCursors } from './page';

@ApiTags('audit')
@ApiBearerAuth()
@ReadsReadModels()
@Controller('v1/orgs/:orgId/audit')
export class AuditController {
  constructor(
    private readonly access: OrgAccess,
    private readonly queries: OrgQueries,
    @Inject(READ_MODELS) private readonly models: ReadModels,
    private readonly freshness: ReadYourWrites,
    private readonly cursors: ListCursors,
    private readonly permissions: PermissionsHistory,
  ) {}

  @Get('events')
  @ApiOperation({
    summary:
      'The organization’s history, oldest first, with actor, acting-via, time and correlation id (R21; audit.read)',
  })
  @answersPage(AuditEventView)
  @problems(400, 401, 403, 404)
  async events(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Query() query: AuditEventsQuery,
  ) {
    const standing = await this.access.requiring(caller, orgId, 'audit.read');
    const from = query.from === undefined ? undefined : notBefore(query.from);
    const to = query.to === undefined ? undefined : new Date(readInstant(query.to)!.ms).toISOString();
    const span = from || to ? await this.queries.auditSpan(standing.org, from, to) : undefined;
    const page = await this.models.auditEvents.find(
      { where: auditEventsWhere(orgId, query, { from, to, span }) },
      this.cursors.pageIn('audit-events', orgId, query),
    );
    // Named only where they were members here at the time: not an operator, nor an agent of a parent organization
    // (R19), even one who was a member here before, under a name taken since.
    const { everMembers, memberAt } = await this.queries.membershipsOf(
      orgId,
      page.items.flatMap((event) => [event.actorId, ...peopleInData(event)]),
    );
    const nameOf = await this.queries.namesOver(everMembers);
    return {
      items: page.items.map((event) =>
        auditEventView(standing.actingVia ? withoutChildren(event) : event, (userId, at) =>
          memberAt(userId, event) ? nameOf(userId, at) : undefined,
        ),
      ),
      ...this.cursors.next('audit-events', page.nextCursor, query),
    };
  }

  @Get('roster')
  @ApiOperation({
    summary:
      'Every member’s role, permissions and teams as they were at an instant, a page at a time (R21; audit.read)',
  })
  @answers(200, RosterView, { lagging: false })
  @problems(400, 401, 403, 404)
  async roster(@CurrentCaller() caller: Caller, @Param('orgId') orgId: string, @Query() query: RosterQuery) {
    const standing = await this.access.requiring(caller, orgId, 'audit.read');
    // An instant still to come is answered as now: the answer says which instant it is about.
    const at = new Date(Math.min(readInstant(query.at)!.ms, Date.now())).toISOString();
    const page = this.cursors.rosterPageIn(orgId, query, at);
    // Later than the last event the read models hold, events appended before `at` may not be projected yet: the
    // answer waits for them (within READ_YOUR_WRITES_MS), so asking again about the same instant gives the same answer.
    if (at >= standing.org.updatedAt && !(await this.freshness.organizationCaughtUp(orgId)))
      throw new DependencyUnavailableError('the read models are catching up with the organization’s history');
    const { intervals, more } = await this.queries.rosterAt(standing, at, page);
    const held = await this.permissions.heldAt(new Date(at));
    // An interval projected before intervals kept the grants: while it is open, the member's grants are its own.
    const grantsNow = await this.queries.grantsOf(
      standing.org.orgId,
      intervals.filter((i) => !i.granted && !i.validTo).map((i) => i.userId),
    );
    const names = await this.queries.namesAt(
      intervals.map((i) => i.userId),
      at,
    );
    const last = intervals.at(-1);
    return {
      at,
      members: intervals.map((i) => {
        const granted = i.granted ?? grantsNow.get(i.userId);
        return {
          userId: i.userId,
          name: names.get(i.userId)!,
          role: i.role,
          permissions: granted ? held(i.role, granted) : i.permissions,
          // Unknown for an interval closed before intervals kept the grants (until a rebuild).
          ...(granted ? { granted: [...granted].sort() } : {}),
          teams: i.teams,
        };
      }),
      ...(more && last ? this.cursors.rosterNext(last._id, at) : {}),
    };
  }
}

/**
 * The organization's events a query's filters keep: instants compare as the stored UTC text, within the span of
 * revisions they were found to bound.
 */
function auditEventsWhere(
  orgId: string,
  query: AuditEventsQuery,
  time: { from?: string; to?: string; span?: Range },
): Record<string, FieldCondition> {
  const types = query.type === undefined ? undefined : [...new Set(query.type.split(','))];
  return {
    orgId,
    ...(time.span ? { _id: time.span } : {}),
    ...(query.userId ? { involves: query.userId } : {}),
    ...(types ? { type: types.length === 1 ? types[0]! : { $in: types } } : {}),
    ...(time.from || time.to
      ? { at: { ...(time.from ? { $gte: time.from } : {}), ...(time.to ? { $lte: time.to } : {}) } }
      : {}),
  };
}

/**
 * R19: acting through the parent reaches this organization, not its own children (other tenants to them): their ids
 * are left out of its history as of its view.
 */
function withoutChildren(event: AuditEventDoc): AuditEventDoc {
  if (event.type !== 'ChildOrganizationLinked' && event.type !== 'ChildOrganizationUnlinked') return event;
  const { childOrgId: _hidden, ...data } = event.data;
  return { ...event, data };
}

/** Nothing is stamped in the last millisecond of year 9999, so a `from` rounded up to it still keeps nothing. */
const LAST_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An instant as stored (milliseconds), rounded up: `from` asked finer than that never takes in an earlier event. Held
 * within year 9999, since instants compare as text and year 10000's (`+010000-...`) sorts before every other.
 */
function notBefore(instant: string): string {
  const { ms, finerThanMs } = readInstant(instant)!;
  return new Date(Math.min(ms + (finerThanMs ? 1 : 0), LAST_INSTANT_MS)).toISOString();
}
