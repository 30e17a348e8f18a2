import { InMemoryReadStore } from '@app/read-store';
import { defaultCatalog, extendCatalog } from '@app/permissions';
import { orgScoped, type MemberDoc, type OrganizationDoc } from '../read-models/documents';
import { readModelsOf } from '../read-models/read-models';
import { OrgAccess } from './org-access';

const orgId = 'org-1';
const at = '2026-01-01T00:00:00.000Z';

async function modelsWithAdmin() {
  const models = readModelsOf(new InMemoryReadStore());
  await models.organizations.upsertIfNewer({
    _id: orgId,
    revision: 2,
    orgId,
    name: 'Acme',
    plan: 'standard',
    ownerId: 'olga',
    autoJoin: false,
    membersMayEditOwnAvailability: false,
    requireTwoFactor: false,
    domains: [],
    childOrgIds: [],
    seats: 0,
    memberCount: 2,
    createdAt: at,
    updatedAt: at,
  } satisfies OrganizationDoc);
  // Projected under an older catalog: its list lacks what Admins hold by default now.
  await models.members.upsertIfNewer({
    _id: orgScoped(orgId, 'carl'),
    revision: 2,
    orgId,
    userId: 'carl',
    role: 'admin',
    granted: ['org.billing'],
    permissions: ['members.read'],
    schedulable: false,
    contactPerson: false,
    teamIds: [],
    managedTeamIds: [],
    joinedAt: at,
    via: 'invitation',
    orgName: 'Acme',
  } satisfies MemberDoc);
  return models;
}

describe('a caller’s standing in an organization', () => {
  it('holds what the catalog in force says their role holds, plus their grants, whatever the projected list says', async () => {
    const catalog = extendCatalog(defaultCatalog, { 'environments.read': { admin: true } });
    const access = new OrgAccess(await modelsWithAdmin(), catalog);
    const standing = await access.standing({ userId: 'carl', twoFactor: false }, orgId);
    expect(standing.role).toBe('admin');
    expect([...standing.permissions].sort()).toEqual(
      [...catalog.roleDefaults.get('admin')!, 'org.billing'].sort(),
    );
    expect(standing.permissions.has('environments.read')).toBe(true);
  });
});
