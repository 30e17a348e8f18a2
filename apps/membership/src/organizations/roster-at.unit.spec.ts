import { type OrganizationEvent } from './organization.events';
import { rosterAt } from './roster-at';

const e = (at: string, event: Omit<OrganizationEvent, 'data'> & { data: object }): OrganizationEvent =>
  ({ ...event, data: { orgId: 'org-1', actorId: 'owner', at, ...event.data } }) as OrganizationEvent;

const history: OrganizationEvent[] = [
  e('2026-01-01T00:00:00Z', {
    type: 'OrganizationCreated',
    data: { name: 'Acme', ownerId: 'owner', plan: 'standard' },
  }),
  e('2026-02-01T00:00:00Z', {
    type: 'MemberJoined',
    data: { userId: 'ada', role: 'user', via: 'invitation' },
  }),
  e('2026-03-01T00:00:00Z', { type: 'TeamCreated', data: { teamId: 't1', name: 'Sales' } }),
  e('2026-03-02T00:00:00Z', {
    type: 'TeamMemberAdded',
    data: { teamId: 't1', userId: 'ada', role: 'manager' },
  }),
  e('2026-04-01T00:00:00Z', {
    type: 'MemberRoleChanged',
    data: { userId: 'ada', from: 'user', to: 'admin' },
  }),
  e('2026-05-01T00:00:00Z', {
    type: 'PermissionsGranted',
    data: { userId: 'ada', permissions: ['org.billing'] },
  }),
  e('2026-06-01T00:00:00Z', { type: 'MemberRemoved', data: { userId: 'ada' } }),
];

describe('R21 audit: roster at a past instant', () => {
  const ada = (instant: string) => rosterAt(history, new Date(instant)).find((m) => m.userId === 'ada');

  it('R21: gives each member’s role, permissions and teams as they were at that instant', () => {
    expect(ada('2026-01-15T00:00:00Z')).toBeUndefined();
    expect(ada('2026-03-15T00:00:00Z')).toEqual({
      userId: 'ada',
      role: 'user',
      permissions: [],
      granted: [],
      teams: [{ teamId: 't1', name: 'Sales', role: 'manager' }],
    });
    expect(ada('2026-04-15T00:00:00Z')?.role).toBe('admin');
    expect(ada('2026-04-15T00:00:00Z')?.permissions).not.toContain('org.billing');
    expect(ada('2026-05-15T00:00:00Z')?.permissions).toContain('org.billing');
    // Granted, not the role's: an Admin's defaults leave org.billing to the Owner.
    expect(ada('2026-05-15T00:00:00Z')?.granted).toEqual(['org.billing']);
    expect(ada('2026-04-15T00:00:00Z')?.granted).toEqual([]);
    expect(ada('2026-06-15T00:00:00Z')).toBeUndefined();
  });

  it('R21: an instant before the organization existed gives an empty roster', () => {
    expect(rosterAt(history, new Date('2025-12-31T00:00:00Z'))).toEqual([]);
  });

  it('R21: the owner is listed with every owner permission', () => {
    const owner = rosterAt(history, new Date('2026-12-31T00:00:00Z')).find((m) => m.userId === 'owner');
    expect(owner?.role).toBe('owner');
    expect(owner?.permissions).toContain('org.delete');
  });

  it('R21: an event recorded exactly at the instant counts; members and their teams come sorted by id', () => {
    const at = '2026-03-02T00:00:00Z';
    expect(ada(at)?.teams).toEqual([{ teamId: 't1', name: 'Sales', role: 'manager' }]);
    const more: OrganizationEvent[] = [
      ...history.slice(0, 4),
      e('2026-03-03T00:00:00Z', {
        type: 'MemberJoined',
        data: { userId: 'aaron', role: 'user', via: 'invitation' },
      }),
      e('2026-03-03T00:00:00Z', { type: 'TeamCreated', data: { teamId: 't0', name: 'Ops' } }),
      e('2026-03-03T00:00:00Z', {
        type: 'TeamMemberAdded',
        data: { teamId: 't0', userId: 'ada', role: 'member' },
      }),
      e('2026-03-03T00:00:00Z', {
        type: 'PermissionsGranted',
        data: { userId: 'ada', permissions: ['members.read', 'audit.read'] },
      }),
    ];
    const roster = rosterAt(more, new Date('2026-03-03T00:00:00Z'));
    expect(roster.map((m) => m.userId)).toEqual(['aaron', 'ada', 'owner']);
    const adaThen = roster.find((m) => m.userId === 'ada')!;
    expect(adaThen.teams.map((t) => t.teamId)).toEqual(['t0', 't1']);
    expect(adaThen.permissions).toEqual(['audit.read', 'members.read']);
    // Granted in another order than the names sort in: listed sorted, as the gateway lists them.
    expect(adaThen.granted).toEqual(['audit.read', 'members.read']);
    expect(roster.find((m) => m.userId === 'aaron')?.teams).toEqual([]);
  });
});
