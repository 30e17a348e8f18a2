import { loadPermissionsCatalog } from '@app/permissions';
import { AddressSubjects } from '@app/personal-data';
import { InMemoryReadStore } from '@app/read-store';
import { organizationEventOf } from '../read-models/organization-events.testing';
import { ReadModelProjector } from '../read-models/projector';
import { readModelsOf } from '../read-models/read-models';
import { OrgQueries } from './org-queries';

const orgId = 'org-1';
type Step = [type: string, at: string, data: Record<string, unknown>, actingVia?: string];

/** R21: who the audit list may name at an event: members of the organization at that event. */
describe('memberships over an organization’s history', () => {
  async function history(steps: readonly Step[]) {
    const models = readModelsOf(new InMemoryReadStore());
    const projector = new ReadModelProjector(
      models,
      loadPermissionsCatalog({}),
      new AddressSubjects(Buffer.alloc(32)),
    );
    for (const [revision, [type, at, data]] of steps.entries())
      await projector.applyOrganizationEvent(organizationEventOf(orgId, revision, type, at, data));
    const queries = new OrgQueries(models);
    // The audit list's own documents carry the instant an old history had reached.
    const audit = await models.auditEvents.find({ where: { orgId } }, { limit: 100 });
    const moments = steps.map(([, at, , actingVia], revision) => ({
      revision,
      at,
      ...(audit.items[revision]?.reachedAt ? { reachedAt: audit.items[revision]!.reachedAt } : {}),
      ...(actingVia ? { actingVia } : {}),
    }));
    return async (userId: string) => {
      const { memberAt } = await queries.membershipsOf(orgId, [userId]);
      return moments.map((moment) => memberAt(userId, moment));
    };
  }
  const t = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

  it('a member from the event they joined by to the one they left by, and at the events of those instants', async () => {
    const membership = await history([
      ['OrganizationCreated', t(1), { name: 'Acme', ownerId: 'owner', plan: 'standard' }],
      // Accepting records the acceptance, then the joining, at one instant.
      ['InvitationAccepted', t(2), { invitationId: 'i1', userId: 'ada' }],
      ['MemberJoined', t(2), { userId: 'ada', role: 'user' }],
      ['MemberRoleChanged', t(3), { userId: 'ada', from: 'user', to: 'admin' }],
      ['MemberLeft', t(4), { userId: 'ada' }],
      ['SeatsChanged', t(4), { seats: 1 }],
      // Acting through a parent the same instant, after leaving: no longer a member here.
      ['TeamCreated', t(4), { teamId: 't1', name: 'One' }, 'parent-1'],
      ['TeamCreated', t(5), { teamId: 't2', name: 'Two' }],
    ]);
    expect(await membership('ada')).toEqual([false, true, true, true, true, true, false, false]);
    expect(await membership('owner')).toEqual([true, true, true, true, true, true, true, true]);
    expect(await membership('nobody')).toEqual([false, false, false, false, false, false, false, false]);
  });

  it('a history whose times go backwards (stamped before the decider kept them in order) counts by revision', async () => {
    const membership = await history([
      ['OrganizationCreated', t(1), { name: 'Acme', ownerId: 'owner', plan: 'standard' }],
      ['MemberJoined', t(5), { userId: 'ada', role: 'user' }],
      ['TeamCreated', t(3), { teamId: 't1', name: 'One' }],
      ['MemberLeft', t(4), { userId: 'ada' }],
      ['TeamCreated', t(4), { teamId: 't2', name: 'Two' }, 'parent-1'],
    ]);
    expect(await membership('ada')).toEqual([false, true, true, true, false]);
  });

  it('in such a history, the events of the instant a membership began are still theirs, at the instant reached', async () => {
    const membership = await history([
      ['OrganizationCreated', t(1), { name: 'Acme', ownerId: 'owner', plan: 'standard' }],
      ['TeamCreated', t(5), { teamId: 't1', name: 'One' }],
      // One command, stamped before the event before it: accepting, then joining, at :02 (read as :05).
      ['InvitationAccepted', t(2), { invitationId: 'i1', userId: 'ada' }],
      ['MemberJoined', t(2), { userId: 'ada', role: 'user' }],
      ['MemberLeft', t(3), { userId: 'ada' }],
      ['TeamDeleted', t(3), { teamId: 't1', reason: 'deleted' }],
      ['TeamCreated', t(7), { teamId: 't2', name: 'Two' }],
    ]);
    expect(await membership('ada')).toEqual([false, true, true, true, true, true, false]);
  });
});

/** R21: the audit list's time filter (`from`, `to`) keeps every event stamped in the span, by its own time. */
describe('the audit list’s time span', () => {
  const t = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;
  async function listed(times: readonly number[], from?: string, to?: string): Promise<number[]> {
    const models = readModelsOf(new InMemoryReadStore());
    const projector = new ReadModelProjector(
      models,
      loadPermissionsCatalog({}),
      new AddressSubjects(Buffer.alloc(32)),
    );
    for (const [revision, second] of times.entries())
      await projector.applyOrganizationEvent(
        revision === 0
          ? organizationEventOf(orgId, 0, 'OrganizationCreated', t(second), {
              name: 'Acme',
              ownerId: 'owner',
              plan: 'standard',
            })
          : organizationEventOf(orgId, revision, 'TeamCreated', t(second), {
              teamId: `t${revision}`,
              name: `Team ${revision}`,
            }),
      );
    const org = (await models.organizations.get(orgId))!;
    const span = await new OrgQueries(models).auditSpan(org, from, to);
    // As the audit controller asks: the span narrows, each event's own time decides.
    const page = await models.auditEvents.find(
      {
        where: {
          orgId,
          ...(span ? { _id: span } : {}),
          at: { ...(from ? { $gte: from } : {}), ...(to ? { $lte: to } : {}) },
        },
      },
      { limit: 100 },
    );
    return page.items.map((event) => event.revision);
  }

  it('bounded by halving over the revisions, where times never go back', async () => {
    expect(await listed([1, 2, 2, 3, 5, 8], t(2), t(3))).toEqual([1, 2, 3]);
    expect(await listed([1, 2, 2, 3, 5, 8], t(4))).toEqual([4, 5]);
    expect(await listed([1, 2, 2, 3, 5, 8], undefined, t(1))).toEqual([0]);
  });

  it('an old history whose times go backwards keeps every event of the span, by its own time', async () => {
    // Revision 1 at :05 comes before revision 2 at :03: halving would start the span at revision 3.
    expect(await listed([0, 5, 3, 6], t(4))).toEqual([1, 3]);
    expect(await listed([0, 5, 3, 6], undefined, t(4))).toEqual([0, 2]);
    expect(await listed([0, 5, 3, 6], t(3), t(5))).toEqual([1, 2]);
  });
});
