import { InMemoryReadStore } from '@app/read-store';
import { defaultCatalog, extendCatalog, roleDefaultsOf, withRoleDefaults } from '@app/permissions';
import { orgScoped, type MemberDoc, type OrganizationDoc } from '../read-models/documents';
import { readModelsOf } from '../read-models/read-models';
import { OrgAccess } from './org-access';

const orgId = 'org-1';
const at = '2026-01-01T00:00:00.000Z';

const organization = (id: string, parentOrgId?: string, childOrgIds: string[] = []): OrganizationDoc => ({
  _id: id,
  revision: 2,
  orgId: id,
  name: id,
  plan: 'standard',
  ownerId: 'olga',
  autoJoin: false,
  membersMayEditOwnAvailability: false,
  requireTwoFactor: false,
  domains: [],
  ...(parentOrgId ? { parentOrgId } : {}),
  childOrgIds,
  seats: 0,
  memberCount: 2,
  createdAt: at,
  updatedAt: at,
});

const admin = (inOrg: string, userId: string, permissions: string[], granted: string[] = []): MemberDoc => ({
  _id: orgScoped(inOrg, userId),
  revision: 2,
  orgId: inOrg,
  userId,
  role: 'admin',
  granted,
  permissions,
  schedulable: false,
  contactPerson: false,
  teamIds: [],
  managedTeamIds: [],
  joinedAt: at,
  via: 'invitation',
  orgName: inOrg,
});

async function modelsWithAdmin() {
  const models = readModelsOf(new InMemoryReadStore());
  await models.organizations.upsertIfNewer(organization(orgId));
  // Projected under an older catalog: its list lacks what Admins hold by default now.
  await models.members.upsertIfNewer(admin(orgId, 'carl', ['members.read'], ['org.billing']));
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
    expect(standing.permissions.has('org.delete')).toBe(false);
  });

  it('R19: acts as an Admin through the parent only while the catalog in force gives them customers.manage there', async () => {
    const models = readModelsOf(new InMemoryReadStore());
    await models.organizations.upsertIfNewer(organization('parent', undefined, ['child']));
    await models.organizations.upsertIfNewer(organization('child', 'parent'));
    // Projected when Admins held customers.manage by default.
    await models.members.upsertIfNewer(admin('parent', 'pam', ['customers.manage', 'members.read']));
    const caller = { userId: 'pam', twoFactor: false };
    expect(await new OrgAccess(models, defaultCatalog).standing(caller, 'child')).toMatchObject({
      role: 'admin',
      actingVia: 'parent',
    });
    const builtIn = roleDefaultsOf(defaultCatalog);
    const withoutIt = withRoleDefaults(defaultCatalog, {
      ...builtIn,
      admin: builtIn.admin.filter((p) => p !== 'customers.manage'),
    });
    await expect(new OrgAccess(models, withoutIt).standing(caller, 'child')).rejects.toMatchObject({
      code: 'organization-not-found',
    });
  });

  it('R19: a link only the child records (half made, or half undone by an unlink) gives the parent’s people nothing', async () => {
    const models = readModelsOf(new InMemoryReadStore());
    await models.organizations.upsertIfNewer(organization('parent', undefined, ['other']));
    await models.organizations.upsertIfNewer(organization('child', 'parent'));
    await models.members.upsertIfNewer(admin('parent', 'pam', ['customers.manage', 'members.read']));
    await expect(
      new OrgAccess(models, defaultCatalog).standing({ userId: 'pam', twoFactor: false }, 'child'),
    ).rejects.toMatchObject({ code: 'organization-not-found' });
  });
});
