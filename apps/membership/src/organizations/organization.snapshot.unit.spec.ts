import { fold } from '@app/domain';
import { organizationDecider } from './organization.decider';
import { type OrganizationEvent } from './organization.events';
import {
  fromOrganizationSnapshot,
  organizationSnapshots,
  toOrganizationSnapshot,
} from './organization.snapshot';
import { type ActiveOrganization, evolveOrganization, NO_GRANTS } from './organization.state';
import { created, granted, inTeam, joined, stamp, team } from './organization.fixtures.testing';

const weekly = [{ day: 1, from: '09:00', to: '17:00' }];

/** Members with and without grants, schedulable or not, with and without their own availability. */
const history: OrganizationEvent[] = [
  created(),
  joined('ada'),
  joined('bob', 'admin'),
  joined('cy'),
  granted('ada', ['members.invite', 'teams.manage']),
  { type: 'SchedulableChanged', data: { ...stamp('owner'), userId: 'bob', schedulable: true } },
  { type: 'AvailabilityChanged', data: { ...stamp('cy'), userId: 'cy', available: false, weekly } },
  team('t1', 'Night shift'),
  inTeam('t1', 'ada', 'manager'),
  {
    type: 'InvitationCreated',
    data: {
      ...stamp('owner'),
      invitationId: 'inv-1',
      email: 'dee@example.com',
      role: 'user',
      teamIds: ['t1'],
      permissions: ['members.invite'],
      expiresAt: '2026-12-22T10:00:00.000Z',
    },
  },
];
const state = fold(organizationDecider(), history) as ActiveOrganization;
const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('organization snapshots', () => {
  it('come back as the state they were taken of, through JSON', () => {
    expect(fromOrganizationSnapshot(throughJson(toOrganizationSnapshot(state)))).toEqual(state);
    expect(fromOrganizationSnapshot(throughJson(toOrganizationSnapshot({ status: 'none' })))).toEqual({
      status: 'none',
    });
  });

  it('keep the members column by column, grants and availability only where there are some', () => {
    const { org } = toOrganizationSnapshot(state);
    expect(org?.members).toEqual({
      userIds: ['owner', 'ada', 'bob', 'cy'],
      roles: ['owner', 'user', 'admin', 'user'],
      joinedAt: Array.from({ length: 4 }, () => state.lastEventAt),
      schedulable: [2],
      granted: [[1, ['members.invite', 'teams.manage']]],
      availability: [[3, { available: false, weekly }]],
    });
  });

  it('share nothing the state goes on changing: it is serialised after the sealing, while commands go on', () => {
    const { org } = toOrganizationSnapshot(state);
    const cy = state.members.get('cy')!.availability!;
    expect(org?.members.availability[0]?.[1]).toEqual(cy);
    expect(org?.members.availability[0]?.[1]).not.toBe(cy);
    expect(org?.members.availability[0]?.[1].weekly[0]).not.toBe(cy.weekly[0]);
    const invitation = state.invitations.get('inv-1')!;
    expect(org?.invitations[0]).toEqual(invitation);
    expect(org?.invitations[0]?.teamIds).not.toBe(invitation.teamIds);
    expect(org?.invitations[0]?.permissions).not.toBe(invitation.permissions);
  });

  it('members restored without grants share one empty set, and granting to one of them changes no other', () => {
    const restored = fromOrganizationSnapshot(
      throughJson(toOrganizationSnapshot(state)),
    ) as ActiveOrganization;
    expect(restored.members.get('bob')!.granted).toBe(restored.members.get('cy')!.granted);
    const after = evolveOrganization(restored, granted('bob', ['members.invite'])) as ActiveOrganization;
    expect([...after.members.get('bob')!.granted]).toEqual(['members.invite']);
    expect(after.members.get('cy')!.granted.size).toBe(0);
    expect(NO_GRANTS.size).toBe(0);
  });

  it('version 8 snapshots (one array per member, as the release before wrote them) are still read', () => {
    expect(organizationSnapshots.version).toBe(9);
    expect(organizationSnapshots.alsoReads).toEqual([8]);
    const v9 = toOrganizationSnapshot(state);
    const v8 = {
      ...v9,
      org: {
        ...v9.org,
        members: [
          ['owner', 'owner', [], false, state.lastEventAt, null],
          ['ada', 'user', ['members.invite', 'teams.manage'], false, state.lastEventAt, null],
          ['bob', 'admin', [], true, state.lastEventAt, null],
          ['cy', 'user', [], false, state.lastEventAt, { available: false, weekly }],
        ],
      },
    };
    expect(organizationSnapshots.fromSnapshot(throughJson(v8), 8)).toEqual(state);
    expect(fromOrganizationSnapshot(throughJson(v8))).toEqual(state);
    expect(organizationSnapshots.fromSnapshot(throughJson(v9), 9)).toEqual(state);
  });
});
