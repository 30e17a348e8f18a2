import { loadPermissionsCatalog } from '@app/permissions';
import { AddressSubjects } from '@app/personal-data';
import { InMemoryReadStore } from '@app/read-store';
import { organizationEventOf } from '../read-models/organization-events.testing';
import { ReadModelProjector } from '../read-models/projector';
import { readModelsOf } from '../read-models/read-models';
import { OrgQueries } from './org-queries';

const orgId = 'org-1';

/** R21: who the audit list may name at an event: members of the organization at that event, told by revision. */
describe('memberships over an organization’s history', () => {
  async function history(events: readonly [type: string, at: string, data: Record<string, unknown>][]) {
    const models = readModelsOf(new InMemoryReadStore());
    const projector = new ReadModelProjector(
      models,
      loadPermissionsCatalog({}),
      new AddressSubjects(Buffer.alloc(32)),
    );
    for (const [revision, [type, at, data]] of events.entries())
      await projector.applyOrganizationEvent(organizationEventOf(orgId, revision, type, at, data));
    return new OrgQueries(models);
  }
  const t = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

  it('a member from the event they joined by to the one they left by, also where events share an instant', async () => {
    const queries = await history([
      ['OrganizationCreated', t(1), { name: 'Acme', ownerId: 'owner', plan: 'standard' }],
      ['MemberJoined', t(2), { userId: 'ada', role: 'user' }],
      ['MemberRoleChanged', t(3), { userId: 'ada', from: 'user', to: 'admin' }],
      ['MemberLeft', t(4), { userId: 'ada' }],
      // Acting through a parent the same instant, after leaving: no longer a member.
      ['TeamCreated', t(4), { teamId: 't1', name: 'One' }],
    ]);
    const { everMembers, memberAt } = await queries.membershipsOf(orgId, ['ada', 'owner', 'nobody']);
    expect(everMembers.sort()).toEqual(['ada', 'owner']);
    expect([0, 1, 2, 3, 4].map((revision) => memberAt('ada', revision))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
    expect([0, 4].map((revision) => memberAt('owner', revision))).toEqual([true, true]);
    expect(memberAt('nobody', 1)).toBe(false);
  });

  it('a history whose times go backwards (stamped before the decider kept them in order) still counts by revision', async () => {
    const queries = await history([
      ['OrganizationCreated', t(1), { name: 'Acme', ownerId: 'owner', plan: 'standard' }],
      ['MemberJoined', t(5), { userId: 'ada', role: 'user' }],
      ['MemberLeft', t(4), { userId: 'ada' }],
    ]);
    const { memberAt } = await queries.membershipsOf(orgId, ['ada']);
    expect([0, 1, 2].map((revision) => memberAt('ada', revision))).toEqual([false, true, true]);
  });
});
