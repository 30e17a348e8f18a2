import { fold } from '@app/domain';
import { deciderSpec } from '@app/testing';
import { userDecider } from './user.decider';
import { type UserEvent } from './user.events';

const at = '2026-01-01T00:00:00.000Z';
const base = { userId: 'u1', actorId: 'u1', at };
const registered: UserEvent = {
  type: 'UserRegistered',
  data: { ...base, name: 'Ada', email: 'ada@example.com' },
};

const { given } = deciderSpec(userDecider);

describe('user decider', () => {
  it('registers with a normalized e-mail and an E.164 phone', () => {
    const events = given([])
      .when({
        ...base,
        type: 'RegisterUser',
        name: '  Ada Lovelace ',
        email: '  Ada@Example.COM ',
        phone: '+14155552671',
      })
      .decided();
    expect(events).toEqual([
      {
        type: 'UserRegistered',
        data: { ...base, name: 'Ada Lovelace', email: 'ada@example.com', phone: '+14155552671' },
      },
    ]);
  });

  it('rejects a malformed e-mail, a non-E.164 phone and an empty name', () => {
    expect(
      given([])
        .when({ ...base, type: 'RegisterUser', name: 'A', email: 'nope' })
        .refused().code,
    ).toBe('invalid-email');
    expect(
      given([])
        .when({ ...base, type: 'RegisterUser', name: 'A', email: 'a@b.io', phone: '0415 555' })
        .refused().code,
    ).toBe('invalid-phone');
    expect(
      given([])
        .when({ ...base, type: 'RegisterUser', name: '  ', email: 'a@b.io' })
        .refused().code,
    ).toBe('invalid-name');
  });

  it('a retried registration with the same data decides nothing; different data is a conflict', () => {
    expect(
      given([registered])
        .when({ ...base, type: 'RegisterUser', name: 'Ada', email: 'ADA@example.com' })
        .decided(),
    ).toEqual([]);
    const error = given([registered])
      .when({ ...base, type: 'RegisterUser', name: 'Bob', email: 'b@x.io' })
      .refused();
    expect([error.code, error.kind]).toEqual(['user-already-registered', 'conflict']);
  });

  it('R18: a new account starts unverified and is verified only for its current address', () => {
    expect(fold(userDecider, [registered])).toMatchObject({ emailVerified: false });
    const verified = given([registered])
      .when({ ...base, type: 'VerifyEmail', email: 'ada@example.com' })
      .decided();
    expect(verified.map((e) => e.type)).toEqual(['EmailVerified']);
    expect(fold(userDecider, [registered, ...verified])).toMatchObject({ emailVerified: true });
    expect(
      given([registered, ...verified])
        .when({ ...base, type: 'VerifyEmail', email: 'ada@example.com' })
        .decided(),
    ).toEqual([]);
  });

  it('R18: changing the address makes it unverified, and a link for the old address is stale', () => {
    const history: UserEvent[] = [
      registered,
      { type: 'EmailVerified', data: { ...base, email: 'ada@example.com' } },
      ...given([registered])
        .when({ ...base, type: 'ChangeEmail', email: 'ada@new.example' })
        .decided(),
    ];
    expect(history[2]).toEqual({
      type: 'EmailChanged',
      data: { ...base, previousEmail: 'ada@example.com', email: 'ada@new.example' },
    });
    expect(fold(userDecider, history)).toMatchObject({ email: 'ada@new.example', emailVerified: false });
    expect(
      given(history)
        .when({ ...base, type: 'VerifyEmail', email: 'ada@example.com' })
        .refused().code,
    ).toBe('email-verification-stale');
  });

  it('updates the profile only when something changes and can remove the phone', () => {
    expect(
      given([registered])
        .when({ ...base, type: 'UpdateProfile', name: 'Ada' })
        .decided(),
    ).toEqual([]);
    const withPhone = [
      registered,
      ...given([registered])
        .when({ ...base, type: 'UpdateProfile', phone: '+442079460958' })
        .decided(),
    ];
    expect(fold(userDecider, withPhone)).toMatchObject({ phone: '+442079460958' });
    const removed = given(withPhone)
      .when({ ...base, type: 'UpdateProfile', phone: null })
      .decided();
    expect(removed).toEqual([
      { type: 'ProfileUpdated', data: { ...base, phone: null, previousPhone: '+442079460958' } },
    ]);
    expect(fold(userDecider, [...withPhone, ...removed])).not.toHaveProperty('phone');
  });

  it('password change events carry no secret', () => {
    const [event] = given([registered])
      .when({ ...base, type: 'ChangePassword', reason: 'reset' })
      .decided();
    expect(Object.keys(event!.data).sort()).toEqual(['actorId', 'at', 'reason', 'userId']);
  });

  it('two-factor, lock and unlock are idempotent toggles', () => {
    const enabled = given([registered])
      .when({ ...base, type: 'EnableTwoFactor' })
      .decided();
    expect(enabled.map((e) => e.type)).toEqual(['TwoFactorEnabled']);
    expect(
      given([registered, ...enabled])
        .when({ ...base, type: 'EnableTwoFactor' })
        .decided(),
    ).toEqual([]);
    expect(
      given([registered])
        .when({ ...base, type: 'DisableTwoFactor' })
        .decided(),
    ).toEqual([]);
    const locked = given([registered])
      .when({ ...base, actorId: 'system', type: 'LockUser', reason: 'abuse' })
      .decided();
    expect(fold(userDecider, [registered, ...locked])).toMatchObject({ locked: true });
    expect(
      given([registered, ...locked])
        .when({ ...base, type: 'UnlockUser' })
        .decided()
        .map((e) => e.type),
    ).toEqual(['UserUnlocked']);
  });

  it('R10: an Owner deleting their account must confirm deleting the organizations they own', () => {
    const command = {
      ...base,
      type: 'DeleteUser' as const,
      ownedOrganizationIds: ['org-1'],
      ownedOrganizationsConfirmed: false,
    };
    const error = given([registered]).when(command).refused();
    expect([error.code, error.details]).toEqual([
      'owned-organizations-confirmation-required',
      { ownedOrganizationIds: ['org-1'] },
    ]);
    expect(
      given([registered])
        .when({ ...command, ownedOrganizationsConfirmed: true })
        .decided(),
    ).toEqual([
      {
        type: 'UserDeleted',
        data: { ...base, ownedOrganizationIds: ['org-1'], ownedOrganizationsConfirmed: true },
      },
    ]);
  });

  it('R10: a user owning nothing deletes their account without confirmation (they leave all organizations)', () => {
    const [event] = given([registered])
      .when({
        ...base,
        type: 'DeleteUser',
        ownedOrganizationIds: [],
        ownedOrganizationsConfirmed: false,
      })
      .decided();
    expect(event?.type).toBe('UserDeleted');
  });

  it('commands on an unknown user are not-found, on a deleted one gone', () => {
    expect(
      given([])
        .when({ ...base, type: 'EnableTwoFactor' })
        .refused().kind,
    ).toBe('not-found');
    const deleted: UserEvent = {
      type: 'UserDeleted',
      data: { ...base, ownedOrganizationIds: [], ownedOrganizationsConfirmed: false },
    };
    expect(
      given([registered, deleted])
        .when({ ...base, type: 'UpdateProfile', name: 'X' })
        .refused().kind,
    ).toBe('gone');
    expect(
      given([registered, deleted])
        .when({
          ...base,
          type: 'RegisterUser',
          name: 'Ada',
          email: 'ada@example.com',
        })
        .refused().kind,
    ).toBe('gone');
  });
});
