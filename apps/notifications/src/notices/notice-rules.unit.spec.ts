import { type EventEnvelope } from '@app/contracts';
import { enabledNotices, NOTICE_KINDS, noticesOf } from './notice-rules';

const event = (type: string, subject: string, data: Record<string, unknown>): EventEnvelope =>
  ({ id: 'e1', type, subject, data }) as unknown as EventEnvelope;
const all = enabledNotices(undefined);

describe('who is told about what', () => {
  it('tells the person a change is about, and only them', () => {
    expect(
      noticesOf(
        event('membership.MemberRoleChanged.v1', 'o1', { userId: 'u1', from: 'user', to: 'admin' }),
        all,
      ),
    ).toEqual([{ kind: 'role-changed', userId: 'u1', orgId: 'o1', role: 'admin' }]);
    expect(
      noticesOf(event('membership.OwnershipTransferred.v1', 'o1', { from: 'u1', to: 'u2' }), all),
    ).toEqual([
      { kind: 'ownership-transferred', userId: 'u1', orgId: 'o1', role: 'admin' },
      { kind: 'ownership-transferred', userId: 'u2', orgId: 'o1', role: 'owner' },
    ]);
    expect(noticesOf(event('membership.MemberRemoved.v1', 'o1', { userId: 'u3' }), all)).toEqual([
      { kind: 'removed-from-organization', userId: 'u3', orgId: 'o1' },
    ]);
    expect(
      noticesOf(event('membership.TeamMemberAdded.v1', 'o1', { userId: 'u4', role: 'member' }), all),
    ).toEqual([{ kind: 'added-to-team', userId: 'u4', orgId: 'o1' }]);
    expect(
      noticesOf(event('membership.TeamMemberAdded.v1', 'o1', { userId: 'u4', role: 'manager' }), all),
    ).toEqual([{ kind: 'made-team-manager', userId: 'u4', orgId: 'o1' }]);
    expect(noticesOf(event('identity.UserLocked.v1', 'u5', { userId: 'u5', reason: 'x' }), all)).toEqual([
      { kind: 'account-locked', userId: 'u5' },
    ]);
  });

  it('tells nobody about other events, or about a kind configuration turned off', () => {
    expect(noticesOf(event('membership.MemberJoined.v1', 'o1', { userId: 'u1' }), all)).toEqual([]);
    const withoutRoles = enabledNotices('role-changed, account-locked');
    expect([...withoutRoles]).toEqual(
      NOTICE_KINDS.filter((k) => k !== 'role-changed' && k !== 'account-locked'),
    );
    expect(
      noticesOf(event('membership.MemberRoleChanged.v1', 'o1', { userId: 'u1', to: 'admin' }), withoutRoles),
    ).toEqual([]);
  });
});
