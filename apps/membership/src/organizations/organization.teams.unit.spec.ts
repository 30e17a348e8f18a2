import { type ActiveOrganization } from './organization.state';
import { base, cmd, given, granted, inTeam, joined, stamp, team } from './organization.fixtures.testing';

describe('teams (R11, R12)', () => {
  const withTeam = [...base, team('t1', 'Sales'), inTeam('t1', 'ada', 'manager'), inTeam('t1', 'bob')];

  it('R11: Owner and Admins create teams; the same team again is a no-op; its id for another name is a conflict', () => {
    given(base)
      .when(cmd('admin', { type: 'CreateTeam', teamId: 't1', name: ' Sales ' }))
      .then([{ type: 'TeamCreated', data: { ...stamp('admin'), teamId: 't1', name: 'Sales' } }]);
    given(withTeam)
      .when(cmd('owner', { type: 'CreateTeam', teamId: 't1', name: 'Sales' }))
      .then([]);
    given(withTeam)
      .when(cmd('owner', { type: 'CreateTeam', teamId: 't1', name: 'Other' }))
      .thenRefuses('team-exists', { teamId: 't1' });
  });

  it('R11: a User cannot create teams unless granted teams.create', () => {
    given(base)
      .when(cmd('ada', { type: 'CreateTeam', teamId: 't2', name: 'T2' }))
      .thenRefuses('insufficient-permission', { required: 'teams.create' });
    given([...base, granted('ada', ['members.read', 'teams.manage', 'teams.create'])])
      .when(cmd('ada', { type: 'CreateTeam', teamId: 't2', name: 'T2' }))
      .thenTypes(['TeamCreated']);
  });

  it('R11: team names are unique as read: full-width letters and ligatures are the names they look like', () => {
    given(withTeam)
      .when(cmd('owner', { type: 'CreateTeam', teamId: 't2', name: 'ＳＡＬＥＳ' }))
      .thenRefuses('team-name-taken', { field: 'name' });
    given([...withTeam, team('t2', 'Office')])
      .when(cmd('owner', { type: 'RenameTeam', teamId: 't1', name: 'Oﬃce' }))
      .thenRefuses('team-name-taken', { field: 'name' });
    given(withTeam)
      .when(cmd('owner', { type: 'CreateTeam', teamId: 't2', name: 'Sales 2' }))
      .thenTypes(['TeamCreated']);
  });

  it('R11: a team changes the case of its own name', () => {
    given(withTeam)
      .when(cmd('ada', { type: 'RenameTeam', teamId: 't1', name: 'SALES' }))
      .then([{ type: 'TeamRenamed', data: { ...stamp('ada'), teamId: 't1', name: 'SALES' } }]);
  });

  it('R11: team names are 1-100 characters and unique, case-insensitively', () => {
    given(withTeam)
      .when(cmd('owner', { type: 'CreateTeam', teamId: 't2', name: 'sales' }))
      .thenRefuses('team-name-taken', { field: 'name' });
    given(base)
      .when(cmd('owner', { type: 'CreateTeam', teamId: 't2', name: ' ' }))
      .thenRefuses('invalid-name', { field: 'name' });
    given(base)
      .when(cmd('owner', { type: 'CreateTeam', teamId: 't2', name: 'x'.repeat(101) }))
      .thenRefuses('invalid-name');
    given(base)
      .when(cmd('owner', { type: 'CreateTeam', teamId: 't2', name: 'x'.repeat(100) }))
      .thenTypes(['TeamCreated']);
  });

  it('R11: a team’s manager renames it and adds and removes its members', () => {
    given(withTeam)
      .when(cmd('ada', { type: 'RenameTeam', teamId: 't1', name: 'Renamed' }))
      .then([{ type: 'TeamRenamed', data: { ...stamp('ada'), teamId: 't1', name: 'Renamed' } }]);
    given(withTeam)
      .when(cmd('ada', { type: 'RenameTeam', teamId: 't1', name: 'Sales' }))
      .then([]);
    // A member the manager sees (here through another team of theirs) joins the team.
    const alsoInT2 = [
      ...withTeam,
      joined('cy'),
      team('t2', 'Office'),
      inTeam('t2', 'ada'),
      inTeam('t2', 'cy'),
    ];
    given(alsoInT2)
      .when(cmd('ada', { type: 'AddTeamMember', teamId: 't1', userId: 'cy', role: 'member' }))
      .then([
        { type: 'TeamMemberAdded', data: { ...stamp('ada'), teamId: 't1', userId: 'cy', role: 'member' } },
      ]);
    given(withTeam)
      .when(cmd('ada', { type: 'RemoveTeamMember', teamId: 't1', userId: 'bob' }))
      .then([{ type: 'TeamMemberRemoved', data: { ...stamp('ada'), teamId: 't1', userId: 'bob' } }]);
  });

  it('R13: a manager who is a User adds only members they see: anyone else is answered as no member at all', () => {
    for (const userId of ['admin', 'owner', 'nobody'])
      given(withTeam)
        .when(cmd('ada', { type: 'AddTeamMember', teamId: 't1', userId, role: 'member' }))
        .thenRefuses('not-a-member', { userId });
    // Granted members.read, they see everyone, and may add anyone.
    given([...withTeam, granted('ada', ['members.read'])])
      .when(cmd('ada', { type: 'AddTeamMember', teamId: 't1', userId: 'admin', role: 'member' }))
      .thenTypes(['TeamMemberAdded']);
  });

  it('R11: a plain team member, or a User outside the team, manages nothing in it', () => {
    given(withTeam)
      .when(cmd('bob', { type: 'RenameTeam', teamId: 't1', name: 'X' }))
      .thenRefuses('insufficient-role', { required: 'teams.manage' });
    given(withTeam)
      .when(cmd('bob', { type: 'AddTeamMember', teamId: 't1', userId: 'admin', role: 'member' }))
      .thenRefuses('insufficient-role');
    given(withTeam)
      .when(cmd('bob', { type: 'RemoveTeamMember', teamId: 't1', userId: 'ada' }))
      .thenRefuses('insufficient-role');
    given(withTeam)
      .when(cmd('nobody', { type: 'RenameTeam', teamId: 't1', name: 'X' }))
      .thenRefuses('not-a-member');
  });

  it('R11: Admins manage any team; holders of teams.manage too', () => {
    given(withTeam)
      .when(cmd('admin', { type: 'AddTeamMember', teamId: 't1', userId: 'bob', role: 'manager' }))
      .thenTypes(['TeamMemberAdded']);
    given([...withTeam, team('t2'), granted('bob', ['members.read'])])
      .when(cmd('bob', { type: 'RenameTeam', teamId: 't2', name: 'Mine' }))
      .thenRefuses('insufficient-role');
    given([...withTeam, team('t2'), granted('bob', ['members.read', 'teams.manage'])])
      .when(cmd('bob', { type: 'RenameTeam', teamId: 't2', name: 'Mine' }))
      .thenTypes(['TeamRenamed']);
    // A User holding teams.manage also takes members out of, and deletes, a team they are not in.
    const outside = [
      ...withTeam,
      team('t2'),
      inTeam('t2', 'ada'),
      granted('bob', ['members.read', 'teams.manage']),
    ];
    given(outside)
      .when(cmd('bob', { type: 'RemoveTeamMember', teamId: 't2', userId: 'ada' }))
      .thenTypes(['TeamMemberRemoved']);
    given(outside)
      .when(cmd('bob', { type: 'DeleteTeam', teamId: 't2' }))
      .then([{ type: 'TeamDeleted', data: { ...stamp('bob'), teamId: 't2', reason: 'deleted' } }]);
  });

  it('R13: a User outside a team they cannot see is told there is no such team, as reading it says, not refused it', () => {
    const hidden = [...withTeam, team('t2')];
    for (const command of [
      { type: 'RenameTeam', teamId: 't2', name: 'Mine' },
      { type: 'AddTeamMember', teamId: 't2', userId: 'bob', role: 'member' },
      { type: 'RemoveTeamMember', teamId: 't2', userId: 'bob' },
    ] as const) {
      const unseen = given(hidden).when(cmd('bob', command)).thenRefuses('team-not-found', { teamId: 't2' });
      expect(unseen.message).toBe(
        given(hidden)
          .when(cmd('bob', { ...command, teamId: 'made-up' }))
          .thenRefuses('team-not-found')
          .message.replace('made-up', 't2'),
      );
    }
    // Inviting into it too: the same answer as for a team that does not exist.
    given([...hidden, granted('bob', ['members.invite'])])
      .when(
        cmd('bob', {
          type: 'InviteMember',
          invitationId: 'inv-9',
          email: 'x@example.com',
          role: 'user',
          send: false,
          teamIds: ['t2'],
          permissions: [],
          expiresAt: '2030-01-01T00:00:00.000Z',
        }),
      )
      .thenRefuses('team-not-found', { teamId: 't2' });
  });

  it('R11: deleting a team is for holders of teams.manage, not for its managers; an absent team is a no-op', () => {
    const state = given(withTeam)
      .when(cmd('admin', { type: 'DeleteTeam', teamId: 't1' }))
      .then([{ type: 'TeamDeleted', data: { ...stamp('admin'), teamId: 't1', reason: 'deleted' } }])
      .state() as ActiveOrganization;
    expect(state.teams.has('t1')).toBe(false);
    given(withTeam)
      .when(cmd('ada', { type: 'DeleteTeam', teamId: 't1' }))
      .thenRefuses('insufficient-permission', { required: 'teams.manage' });
    given(withTeam)
      .when(cmd('admin', { type: 'DeleteTeam', teamId: 'gone' }))
      .then([]);
  });

  it('R12: only members of the organization can be in its teams; an unknown team is not found', () => {
    given(withTeam)
      .when(cmd('owner', { type: 'AddTeamMember', teamId: 't1', userId: 'stranger', role: 'member' }))
      .thenRefuses('not-a-member', { userId: 'stranger' });
    given(withTeam)
      .when(cmd('owner', { type: 'AddTeamMember', teamId: 'nope', userId: 'ada', role: 'member' }))
      .thenRefuses('team-not-found', { teamId: 'nope' });
  });

  it('a member changes role within a team; the same role again, or removing a non-member, is a no-op', () => {
    const state = given(withTeam)
      .when(cmd('owner', { type: 'AddTeamMember', teamId: 't1', userId: 'bob', role: 'manager' }))
      .state() as ActiveOrganization;
    expect(state.teams.get('t1')!.members.get('bob')).toBe('manager');
    given(withTeam)
      .when(cmd('owner', { type: 'AddTeamMember', teamId: 't1', userId: 'bob', role: 'member' }))
      .then([]);
    given(withTeam)
      .when(cmd('owner', { type: 'RemoveTeamMember', teamId: 't1', userId: 'admin' }))
      .then([]);
  });
});
