import { fold } from '@app/domain';
import { organizationDecider } from './organization.decider';
import { type OrganizationEvent } from './organization.events';
import { type ActiveOrganization, NO_GRANTS } from './organization.state';
import { at, base, granted, inTeam, joined, stamp, team } from './organization.fixtures.testing';

const decider = organizationDecider();
const state = (history: OrganizationEvent[]) => fold(decider, history) as ActiveOrganization;

/** What each event does to the state the decider decides on (the decider tests cover how the events come about). */
describe('the organization state, event by event', () => {
  it('roles, ownership, grants and revocations, schedulable, contact person', () => {
    const org = state([
      ...base,
      { type: 'MemberRoleChanged', data: { ...stamp('owner'), userId: 'ada', from: 'user', to: 'admin' } },
      granted('bob', ['members.read', 'audit.read']),
      { type: 'PermissionsRevoked', data: { ...stamp('owner'), userId: 'bob', permissions: ['audit.read'] } },
      { type: 'SchedulableChanged', data: { ...stamp('owner'), userId: 'bob', schedulable: true } },
      { type: 'ContactPersonChanged', data: { ...stamp('owner'), userId: 'bob' } },
      { type: 'OwnershipTransferred', data: { ...stamp('owner'), from: 'owner', to: 'admin' } },
    ]);
    expect(org.ownerId).toBe('admin');
    expect(org.members.get('admin')?.role).toBe('owner');
    expect(org.members.get('owner')?.role).toBe('admin');
    expect(org.members.get('ada')?.role).toBe('admin');
    expect([...org.members.get('bob')!.granted]).toEqual(['members.read']);
    expect(org.members.get('bob')?.schedulable).toBe(true);
    expect(org.members.get('ada')?.schedulable).toBe(false);
    expect(org.contactPersonId).toBe('bob');
    // The contact person leaving leaves nobody labelled; someone else leaving changes nothing.
    const afterAda = state([
      ...base,
      { type: 'ContactPersonChanged', data: { ...stamp('owner'), userId: 'bob' } },
      { type: 'MemberLeft', data: { ...stamp('ada'), userId: 'ada' } },
    ]);
    expect(afterAda.contactPersonId).toBe('bob');
    const afterBob = state([
      ...base,
      { type: 'ContactPersonChanged', data: { ...stamp('owner'), userId: 'bob' } },
      { type: 'MemberRemoved', data: { ...stamp('owner'), userId: 'bob' } },
    ]);
    expect(afterBob.contactPersonId).toBeUndefined();
  });

  it('grants are replaced, never changed in place: members without any share one set no code can add to', () => {
    const before = state([...base, granted('bob', ['members.read', 'audit.read'])]);
    const bobsGrants = before.members.get('bob')!.granted;
    const after = state([
      ...base,
      granted('bob', ['members.read', 'audit.read']),
      {
        type: 'PermissionsRevoked',
        data: { ...stamp('owner'), userId: 'bob', permissions: ['members.read', 'audit.read'] },
      },
    ]);
    expect([...bobsGrants]).toEqual(['members.read', 'audit.read']);
    expect(after.members.get('bob')!.granted).toBe(NO_GRANTS);
    expect(after.members.get('ada')!.granted).toBe(NO_GRANTS);
    const shared = NO_GRANTS as Set<string>;
    expect(() => shared.add('audit.read')).toThrow(/NO_GRANTS is shared: replace a member's grants/);
    expect(() => shared.delete('audit.read')).toThrow(/NO_GRANTS is shared: replace a member's grants/);
    expect(() => shared.clear()).toThrow(/NO_GRANTS is shared: replace a member's grants/);
    expect(NO_GRANTS.size).toBe(0);
    expect([...state([...base, granted('ada', [])]).members.get('ada')!.granted]).toEqual([]);
  });

  it('teams: renamed, members added with their team role and removed', () => {
    const org = state([
      ...base,
      team('t1', 'Sales'),
      team('t2', 'Ops'),
      inTeam('t1', 'ada', 'manager'),
      inTeam('t1', 'bob'),
      { type: 'TeamRenamed', data: { ...stamp('owner'), teamId: 't1', name: 'Field sales' } },
      { type: 'TeamMemberRemoved', data: { ...stamp('owner'), teamId: 't1', userId: 'bob' } },
    ]);
    expect(org.teams.get('t1')?.name).toBe('Field sales');
    expect(org.teams.get('t2')?.name).toBe('Ops');
    expect([...org.teams.get('t1')!.members]).toEqual([['ada', 'manager']]);
  });

  it('invitations: changed, sent, revoked, expired, accepted', () => {
    const invited = (invitationId: string): OrganizationEvent => ({
      type: 'InvitationCreated',
      data: {
        ...stamp('owner'),
        invitationId,
        email: `${invitationId}@example.com`,
        role: 'user',
        teamIds: [],
        permissions: [],
        expiresAt: '2026-12-01T00:00:00.000Z',
      },
    });
    const org = state([
      ...base,
      team('t1'),
      invited('i1'),
      invited('i2'),
      invited('i3'),
      invited('i4'),
      {
        type: 'InvitationChanged',
        data: {
          ...stamp('admin'),
          invitationId: 'i1',
          role: 'admin',
          teamIds: ['t1'],
          permissions: ['org.billing'],
        },
      },
      {
        type: 'InvitationSent',
        data: {
          ...stamp('owner'),
          invitationId: 'i1',
          sendSequence: 2,
          expiresAt: '2026-12-08T00:00:00.000Z',
        },
      },
      { type: 'InvitationRevoked', data: { ...stamp('owner'), invitationId: 'i2' } },
      { type: 'InvitationExpired', data: { ...stamp('system'), invitationId: 'i3' } },
      { type: 'InvitationAccepted', data: { ...stamp('dan'), invitationId: 'i4', userId: 'dan' } },
    ]);
    expect(org.invitations.get('i1')).toMatchObject({
      role: 'admin',
      teamIds: ['t1'],
      permissions: ['org.billing'],
      grantedBy: 'admin',
      sendSequence: 2,
      expiresAt: '2026-12-08T00:00:00.000Z',
      status: 'pending',
    });
    expect(org.invitations.get('i2')?.status).toBe('revoked');
    expect(org.invitations.get('i3')?.status).toBe('expired');
    expect(org.invitations.get('i4')).toMatchObject({ status: 'accepted', acceptedBy: 'dan' });
  });

  it('domains and the hierarchy: claimed and released, linked and unlinked both ways', () => {
    const org = state([
      ...base,
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'a.example' } },
      { type: 'DomainClaimed', data: { ...stamp('owner'), domain: 'b.example' } },
      { type: 'DomainReleased', data: { ...stamp('owner'), domain: 'a.example' } },
      { type: 'ChildOrganizationLinked', data: { ...stamp('owner'), childOrgId: 'c1' } },
      { type: 'ChildOrganizationLinked', data: { ...stamp('owner'), childOrgId: 'c2' } },
      { type: 'ChildOrganizationUnlinked', data: { ...stamp('owner'), childOrgId: 'c1' } },
      { type: 'ParentOrganizationLinked', data: { ...stamp('owner'), parentOrgId: 'p1' } },
    ]);
    expect([...org.domains]).toEqual([['b.example', at]]);
    expect([...org.childOrgIds]).toEqual(['c2']);
    expect(org.parentOrgId).toBe('p1');
    const detached = state([
      ...base,
      { type: 'ParentOrganizationLinked', data: { ...stamp('owner'), parentOrgId: 'p1' } },
      { type: 'ParentOrganizationUnlinked', data: { ...stamp('owner'), parentOrgId: 'p2' } },
    ]);
    expect(detached.parentOrgId).toBe('p1');
    const unlinked = state([
      ...base,
      { type: 'ParentOrganizationLinked', data: { ...stamp('owner'), parentOrgId: 'p1' } },
      { type: 'ParentOrganizationUnlinked', data: { ...stamp('owner'), parentOrgId: 'p1' } },
    ]);
    expect(unlinked.parentOrgId).toBeUndefined();
  });

  it('events that change nothing the decider needs leave the state as it was', () => {
    const before = state([...base, joined('cy')]);
    const after = state([
      ...base,
      joined('cy'),
      { type: 'PasswordResetRequested', data: { ...stamp('owner'), userId: 'ada' } },
      { type: 'SeatsChanged', data: { ...stamp('owner'), seats: 0 } },
    ]);
    expect(after.members).toEqual(before.members);
    expect(after.teams).toEqual(before.teams);
  });
});
