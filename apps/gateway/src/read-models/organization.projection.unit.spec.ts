import { defaultCatalog } from '@app/permissions';
import { NEVER_LAPSES, type MemberDoc } from './documents';
import {
  projectOrganizationEvent,
  type OrganizationEvent,
  type OrganizationView,
} from './organization.projection';

const at = '2026-01-01T00:00:00.000Z';

function memberOf(userId: string, teamIds: string[] = []): MemberDoc {
  return {
    _id: `org-1/${userId}`,
    revision: 1,
    orgId: 'org-1',
    userId,
    role: 'user',
    granted: [],
    permissions: [],
    schedulable: false,
    contactPerson: false,
    teamIds,
    managedTeamIds: [],
    joinedAt: at,
    via: 'invitation',
    orgName: 'Acme',
  };
}

const view: OrganizationView = {
  org: { contactPersonId: 'bob' } as OrganizationView['org'],
  members: new Map(
    [memberOf('ada'), memberOf('bob', ['t1']), memberOf('cat', ['t1', 't2']), memberOf('dan', ['t2'])].map(
      (m) => [m.userId, m],
    ),
  ),
  teams: new Map(),
  invitations: new Map(),
  intervals: new Map(),
};

function involved(
  type: string,
  data: Record<string, unknown>,
  actorId = 'ada',
): readonly string[] | undefined {
  const event: OrganizationEvent = {
    id: 'e-1',
    type,
    orgId: 'org-1',
    revision: 5,
    actorId,
    correlationId: 'c-1',
    at,
    data: { orgId: 'org-1', at, ...data },
  };
  return projectOrganizationEvent(view, event, defaultCatalog).audit.involves;
}

describe('who an audit event involves (the audit list’s userId filter, R21)', () => {
  it('the member a change names and who made it', () => {
    expect(
      involved('MemberRoleChanged', { userId: 'bob', from: 'user', to: 'admin', actorId: 'ada' }),
    ).toEqual(['ada', 'bob']);
  });

  it('the responsible actor named in the event, not the one who appended it (grants that came with an invitation)', () => {
    expect(involved('PermissionsGranted', { userId: 'bob', permissions: [], actorId: 'cat' }, 'bob')).toEqual(
      ['cat', 'bob'],
    );
  });

  it('a member acting on themself once', () => {
    expect(involved('MemberLeft', { userId: 'bob' }, 'bob')).toEqual(['bob']);
  });

  it('both Owners of a transfer', () => {
    expect(involved('OwnershipTransferred', { from: 'ada', to: 'cat' })).toEqual(['ada', 'cat']);
  });

  it('everyone in a deleted team, and no one outside it', () => {
    expect(involved('TeamDeleted', { teamId: 't1' }, 'dan')).toEqual(['dan', 'bob', 'cat']);
  });

  it('every member of a deleted organization', () => {
    expect(involved('OrganizationDeleted', {}, 'ada')).toEqual(['ada', 'bob', 'cat', 'dan']);
  });

  it('the contact person before and after a change of contact person', () => {
    expect(involved('ContactPersonChanged', { userId: 'cat' })).toEqual(['ada', 'cat', 'bob']);
  });

  it('only the actor where the change is about no member', () => {
    expect(involved('SettingsUpdated', { requireTwoFactor: true })).toEqual(['ada']);
  });
});

describe('invitations', () => {
  const project = (
    type: string,
    data: Record<string, unknown>,
    invitations: OrganizationView['invitations'],
  ) =>
    projectOrganizationEvent(
      { ...view, invitations },
      {
        id: 'e-2',
        type,
        orgId: 'org-1',
        revision: 6,
        actorId: 'ada',
        correlationId: 'c-2',
        at,
        data: { orgId: 'org-1', at, ...data },
      },
      defaultCatalog,
    ).invitations;

  it('R6: one never sent lapses never; a send sets when, and a recorded expiry has lapsed', () => {
    const [created] = project(
      'InvitationCreated',
      {
        invitationId: 'inv-1',
        email: 'x@example.com',
        role: 'user',
        teamIds: [],
        permissions: [],
        expiresAt: at,
      },
      new Map(),
    );
    expect(created).toMatchObject({ expiresAt: at, lapsesAt: NEVER_LAPSES, sendSequence: 0 });
    const inAWeek = '2026-01-08T00:00:00.000Z';
    const [sent] = project(
      'InvitationSent',
      { invitationId: 'inv-1', sendSequence: 1, expiresAt: inAWeek },
      new Map([['inv-1', created!]]),
    );
    expect(sent).toMatchObject({ expiresAt: inAWeek, lapsesAt: inAWeek, sendSequence: 1 });
    const [expired] = project('InvitationExpired', { invitationId: 'inv-1' }, new Map([['inv-1', created!]]));
    expect(expired).toMatchObject({ status: 'expired', lapsesAt: at });
  });

  it('R5: its giver is who created it, then whoever last changed its terms (an Admin’s invitation lasts no longer than their right to give it)', () => {
    const [created] = project(
      'InvitationCreated',
      {
        invitationId: 'inv-1',
        email: 'x@example.com',
        role: 'admin',
        teamIds: [],
        permissions: [],
        expiresAt: at,
        actorId: 'bob',
      },
      new Map(),
    );
    expect(created).toMatchObject({ invitedBy: 'ada', grantedBy: 'bob' });
    const [changed] = project(
      'InvitationChanged',
      { invitationId: 'inv-1', role: 'admin', teamIds: [], permissions: [], actorId: 'cat' },
      new Map([['inv-1', created!]]),
    );
    expect(changed).toMatchObject({ invitedBy: 'ada', grantedBy: 'cat' });
  });
});
