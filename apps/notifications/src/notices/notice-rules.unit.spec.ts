import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EventEnvelope } from '@app/contracts';
import { enabledNotices, NOTICE_KINDS, noticeKindsIn, noticesOf } from './notice-rules';

const event = (type: string, subject: string, data: Record<string, unknown>): EventEnvelope =>
  ({ id: 'e1', type, subject, data }) as unknown as EventEnvelope;
const all = enabledNotices();

describe('who is told about what', () => {
  it('tells the person a change is about, and only them', () => {
    expect(
      noticesOf(
        event('membership.MemberRoleChanged.v1', 'o1', { userId: 'u1', from: 'user', to: 'admin' }),
        all,
      ),
    ).toEqual([{ kind: 'role-changed', to: { userId: 'u1' }, orgId: 'o1', role: 'admin' }]);
    expect(
      noticesOf(event('membership.OwnershipTransferred.v1', 'o1', { from: 'u1', to: 'u2' }), all),
    ).toEqual([
      { kind: 'ownership-transferred', to: { userId: 'u1' }, orgId: 'o1', role: 'admin' },
      { kind: 'ownership-transferred', to: { userId: 'u2' }, orgId: 'o1', role: 'owner' },
    ]);
    expect(noticesOf(event('membership.MemberRemoved.v1', 'o1', { userId: 'u3' }), all)).toEqual([
      { kind: 'removed-from-organization', to: { userId: 'u3' }, orgId: 'o1' },
    ]);
    expect(
      noticesOf(
        event('membership.TeamMemberAdded.v1', 'o1', { userId: 'u4', teamId: 't1', role: 'member' }),
        all,
      ),
    ).toEqual([{ kind: 'added-to-team', to: { userId: 'u4' }, orgId: 'o1', teamId: 't1' }]);
    expect(
      noticesOf(
        event('membership.TeamMemberAdded.v1', 'o1', { userId: 'u4', teamId: 't1', role: 'manager' }),
        all,
      ),
    ).toEqual([{ kind: 'made-team-manager', to: { userId: 'u4' }, orgId: 'o1', teamId: 't1' }]);
    expect(noticesOf(event('identity.UserLocked.v1', 'u5', { userId: 'u5', reason: 'x' }), all)).toEqual([
      { kind: 'account-locked', to: { userId: 'u5' } },
    ]);
    expect(
      noticesOf(event('identity.TwoFactorEnabled.v1', 'u7', { userId: 'u7', actorId: 'u7' }), all),
    ).toEqual([{ kind: 'two-factor-enabled', to: { userId: 'u7' } }]);
    expect(
      noticesOf(event('identity.TwoFactorDisabled.v1', 'u7', { userId: 'u7', actorId: 'u7' }), all),
    ).toEqual([{ kind: 'two-factor-disabled', to: { userId: 'u7' } }]);
    expect(
      noticesOf(event('identity.RecoveryCodesReplaced.v1', 'u7', { userId: 'u7', actorId: 'u7' }), all),
    ).toEqual([{ kind: 'recovery-codes-replaced', to: { userId: 'u7' } }]);
    expect(noticesOf(event('identity.UserUnlocked.v1', 'u5', { userId: 'u5' }), all)).toEqual([]);
  });

  it('R5: tells the user whose phone number the platform took off their profile, and no one for their own changes', () => {
    const profile = (data: Record<string, unknown>) =>
      noticesOf(event('identity.ProfileUpdated.v1', 'u6', { userId: 'u6', at: 'now', ...data }), all);
    expect(profile({ phone: null, previousPhone: '+4915100000001', actorId: 'system' })).toEqual([
      { kind: 'phone-removed', to: { userId: 'u6' } },
    ]);
    expect(profile({ phone: null, previousPhone: '+4915100000001', actorId: 'u6' })).toEqual([]);
    expect(profile({ phone: '+4915100000002', actorId: 'system' })).toEqual([]);
    expect(profile({ name: 'New', actorId: 'system' })).toEqual([]);
  });

  it('tells the inviter, the invitee, or the members as the organization stood', () => {
    expect(
      noticesOf(event('membership.InvitationAccepted.v1', 'o1', { invitationId: 'i1', userId: 'u9' }), all),
    ).toEqual([{ kind: 'invitation-accepted', to: { inviterOf: 'i1' }, orgId: 'o1' }]);
    expect(noticesOf(event('membership.InvitationRevoked.v1', 'o1', { invitationId: 'i1' }), all)).toEqual([
      { kind: 'invitation-revoked', to: { inviteeOf: 'i1' }, orgId: 'o1' },
    ]);
    expect(noticesOf(event('membership.OrganizationDeleted.v1', 'o1', {}), all)).toEqual([
      { kind: 'organization-deleted', to: { members: 'all' }, orgId: 'o1' },
    ]);
    expect(noticesOf(event('membership.SettingsUpdated.v1', 'o1', { requireTwoFactor: true }), all)).toEqual([
      { kind: 'two-factor-required', to: { members: 'without-two-factor' }, orgId: 'o1' },
    ]);
    expect(noticesOf(event('membership.SettingsUpdated.v1', 'o1', { requireTwoFactor: false }), all)).toEqual(
      [],
    );
  });

  it('R22: asks a member auto-joined into an organization requiring a second factor to enroll, unless they have one', () => {
    expect(
      noticesOf(
        event('membership.MemberJoined.v1', 'o1', { userId: 'u1', twoFactorEnrollmentRequired: true }),
        all,
      ),
    ).toEqual([{ kind: 'two-factor-enrollment', to: { userId: 'u1', unlessTwoFactor: true }, orgId: 'o1' }]);
  });

  it('tells nobody about other events, or about a kind configuration turned off', () => {
    expect(noticesOf(event('membership.MemberJoined.v1', 'o1', { userId: 'u1' }), all)).toEqual([]);
    const withoutRoles = enabledNotices(noticeKindsIn('role-changed, account-locked'));
    expect([...withoutRoles]).toEqual(
      NOTICE_KINDS.filter((k) => k !== 'role-changed' && k !== 'account-locked'),
    );
    expect(
      noticesOf(event('membership.MemberRoleChanged.v1', 'o1', { userId: 'u1', to: 'admin' }), withoutRoles),
    ).toEqual([]);
  });
});

describe("the Helm chart's NOTIFY_OFF", () => {
  const schema = JSON.parse(
    readFileSync(join(__dirname, '../../../../deploy/helm/identity-platform/values.schema.json'), 'utf8'),
  ) as { properties: { notifications: { properties: { noticesOff: { pattern: string } } } } };
  const accepted = new RegExp(schema.properties.notifications.properties.noticesOff.pattern);

  it('takes what the service takes, every kind it sends, and refuses at install what would stop it at start', () => {
    for (const setting of [
      '',
      ' ',
      NOTICE_KINDS.join(','),
      'role-changed, account-locked,',
      ...NOTICE_KINDS,
    ]) {
      expect(() => noticeKindsIn(setting)).not.toThrow();
      expect([setting, accepted.test(setting)]).toEqual([setting, true]);
    }
    for (const setting of ['role-chanegd', 'role-changed,bogus', 'role-changed;account-locked']) {
      expect(() => noticeKindsIn(setting)).toThrow(/^NOTIFY_OFF/);
      expect([setting, accepted.test(setting)]).toEqual([setting, false]);
    }
  });
});
