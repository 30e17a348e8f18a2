import { defaultCatalog, extendCatalog } from '@app/permissions';
import { type MemberDoc } from '../read-models/documents';
import { memberView } from './views';

const at = '2026-01-01T00:00:00.000Z';
const member: MemberDoc = {
  _id: 'org-1/carl',
  revision: 3,
  orgId: 'org-1',
  userId: 'carl',
  role: 'admin',
  granted: ['org.billing'],
  // Projected under an older catalog.
  permissions: ['members.read', 'org.billing'],
  schedulable: true,
  contactPerson: false,
  teamIds: ['t1', 't2'],
  managedTeamIds: ['t2'],
  joinedAt: at,
  via: 'invitation',
  orgName: 'Acme',
};

describe('a member as the API shows them', () => {
  it('holds what the catalog in force gives their role, plus their grants, as the gateway authorizes them', () => {
    const catalog = extendCatalog(defaultCatalog, { 'environments.read': { admin: true } });
    const view = memberView(member, catalog);
    expect(view.permissions).toEqual([...catalog.roleDefaults.get('admin')!, 'org.billing'].sort());
    expect(view.permissions).toContain('environments.read');
    expect(view.granted).toEqual(['org.billing']);
    expect(view.tags).toEqual(['admin', 'schedulable']);
  });

  it('names the teams it was given names for, with the member’s role in each', () => {
    expect(memberView(member, defaultCatalog, new Map([['t2', 'Night shift']])).teams).toEqual([
      { teamId: 't1', role: 'member' },
      { teamId: 't2', name: 'Night shift', role: 'manager' },
    ]);
  });
});
