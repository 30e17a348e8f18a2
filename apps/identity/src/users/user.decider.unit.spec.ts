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

  it('R18: an address change is decided once its link was used, so the new address is verified with the move, and a link for the old one is stale', () => {
    const decided = given([registered])
      .when({ ...base, type: 'ChangeEmail', email: 'ada@new.example' })
      .decided();
    expect(decided).toEqual([
      {
        type: 'EmailChanged',
        data: { ...base, previousEmail: 'ada@example.com', email: 'ada@new.example' },
      },
      { type: 'EmailVerified', data: { ...base, email: 'ada@new.example' } },
    ]);
    const history: UserEvent[] = [registered, ...decided];
    expect(fold(userDecider, history)).toMatchObject({ email: 'ada@new.example', emailVerified: true });
    expect(
      given(history)
        .when({ ...base, type: 'VerifyEmail', email: 'ada@example.com' })
        .refused().code,
    ).toBe('email-verification-stale');
  });

  it('R18: a locked account does not move to another address; staying where it is is no change, locked or not', () => {
    const locked: UserEvent[] = [registered, { type: 'UserLocked', data: { ...base, reason: 'taken over' } }];
    const error = given(locked)
      .when({ ...base, type: 'ChangeEmail', email: 'ada@new.example' })
      .thenRefuses('account-locked', { userId: base.userId });
    expect(error.kind).toBe('forbidden');
    given(locked)
      .when({ ...base, type: 'ChangeEmail', email: 'ada@example.com' })
      .then([]);
  });

  it('R18: a move asked for before the account last ended its sessions is void, decided against the state it lands on', () => {
    const move = (sessionsEndedAt: string) =>
      ({ ...base, type: 'ChangeEmail', email: 'ada@new.example', sessionsEndedAt }) as const;
    // Never ended: the link recorded ''.
    expect(given([registered]).when(move('')).decided()).toHaveLength(2);
    const error = given([registered]).when(move('2026-01-02T00:00:00.000Z')).thenRefuses('token-invalid');
    expect(error.kind).toBe('gone');
    const reset: UserEvent = {
      type: 'PasswordChanged',
      data: { ...base, at: '2026-01-02T00:00:00.000Z', reason: 'reset' },
    };
    given([registered, reset]).when(move('')).thenRefuses('token-invalid');
    expect(given([registered, reset]).when(move('2026-01-02T00:00:00.000Z')).decided()).toHaveLength(2);
    // Staying is no change, whatever the link says.
    given([registered, reset])
      .when({ ...move(''), email: 'ada@example.com' })
      .then([]);
  });

  it('R18: an address changed by an older release stays unverified until its link is used', () => {
    const history: UserEvent[] = [
      registered,
      { type: 'EmailVerified', data: { ...base, email: 'ada@example.com' } },
      {
        type: 'EmailChanged',
        data: { ...base, previousEmail: 'ada@example.com', email: 'ada@new.example' },
      },
    ];
    expect(fold(userDecider, history)).toMatchObject({ email: 'ada@new.example', emailVerified: false });
    given(history)
      .when({ ...base, type: 'VerifyEmail', email: 'ada@new.example' })
      .then([{ type: 'EmailVerified', data: { ...base, email: 'ada@new.example' } }]);
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
      addressKeys: ['addr-e', 'addr-p'],
      addressesKeyed: { email: 'ada@example.com' },
    };
    const error = given([registered]).when(command).refused();
    expect([error.code, error.details]).toEqual([
      'owned-organizations-confirmation-required',
      { ownedOrganizationIds: ['org-1'], unconfirmedOrganizationIds: ['org-1'] },
    ]);
    expect(error.message).toBe('deleting this account deletes the organizations it owns; confirm to proceed');
    expect(
      given([registered])
        .when({ ...command, ownedOrganizationsConfirmed: true })
        .decided(),
    ).toEqual([
      {
        type: 'UserDeleted',
        data: { ...base, ownedOrganizationIds: ['org-1'], ownedOrganizationsConfirmed: true },
      },
      { type: 'UserErased', data: { ...base, erasedKeys: ['u1', 'addr-e', 'addr-p'] } },
    ]);
  });

  it('R10: an Owner who names what they confirm deletes only with every organization they own named', () => {
    const command = {
      ...base,
      type: 'DeleteUser' as const,
      ownedOrganizationIds: ['org-1', 'org-2'],
      ownedOrganizationsConfirmed: true,
      confirmedOrganizationIds: ['org-1'],
      addressKeys: [],
      addressesKeyed: { email: 'ada@example.com' },
    };
    // org-2 came to the user after they were shown their list: it is not deleted unseen.
    const error = given([registered]).when(command).refused();
    expect([error.code, error.details]).toEqual([
      'owned-organizations-confirmation-required',
      { ownedOrganizationIds: ['org-1', 'org-2'], unconfirmedOrganizationIds: ['org-2'] },
    ]);
    expect(error.message).toBe(
      'the account owns organizations that were not among those confirmed; confirm them to proceed',
    );
    // Named but not confirmed is still no confirmation.
    expect(
      given([registered])
        .when({
          ...command,
          ownedOrganizationsConfirmed: false,
          confirmedOrganizationIds: ['org-1', 'org-2'],
        })
        .refused().details,
    ).toEqual({ ownedOrganizationIds: ['org-1', 'org-2'], unconfirmedOrganizationIds: ['org-1', 'org-2'] });
    // Naming more than is owned (one transferred away meanwhile) deletes what is owned.
    expect(
      given([registered])
        .when({ ...command, confirmedOrganizationIds: ['org-2', 'org-3', 'org-1'] })
        .decided()[0],
    ).toEqual({
      type: 'UserDeleted',
      data: { ...base, ownedOrganizationIds: ['org-1', 'org-2'], ownedOrganizationsConfirmed: true },
    });
    expect(
      given([registered])
        .when({ ...command, ownedOrganizationIds: [], confirmedOrganizationIds: ['org-1'] })
        .decided()
        .map((e) => e.type),
    ).toEqual(['UserDeleted', 'UserErased']);
  });

  it('R10: a user owning nothing deletes their account without confirmation (they leave all organizations)', () => {
    const events = given([registered])
      .when({
        ...base,
        type: 'DeleteUser',
        ownedOrganizationIds: [],
        ownedOrganizationsConfirmed: false,
        addressKeys: [],
        addressesKeyed: { email: 'ada@example.com' },
      })
      .decided();
    expect(events.map((e) => e.type)).toEqual(['UserDeleted', 'UserErased']);
  });

  it("deleting an account erases it: the user's own key and their address keys, and it stays deleted", () => {
    const deleting = {
      ...base,
      type: 'DeleteUser' as const,
      ownedOrganizationIds: [],
      ownedOrganizationsConfirmed: false,
      addressKeys: ['addr-1'],
      addressesKeyed: { email: 'ada@example.com' },
    };
    const events = given([registered]).when(deleting).decided();
    expect(events[1]).toEqual({ type: 'UserErased', data: { ...base, erasedKeys: ['u1', 'addr-1'] } });
    const state = fold(userDecider, [registered, ...events]);
    expect(state).toEqual({ status: 'deleted', userId: 'u1' });
    expect(
      given([registered, ...events])
        .when(deleting)
        .refused().code,
    ).toBe('user-deleted');
  });

  it('R10: a deletion whose keys were read for addresses the account no longer has is refused, so none stays behind', () => {
    const deleting = {
      ...base,
      type: 'DeleteUser' as const,
      ownedOrganizationIds: [],
      ownedOrganizationsConfirmed: false,
      addressKeys: ['addr-old'],
      addressesKeyed: { email: 'ada@example.com' },
    };
    const moved: UserEvent = {
      type: 'EmailChanged',
      data: { ...base, previousEmail: 'ada@example.com', email: 'ada@new.example' },
    };
    const error = given([registered, moved]).when(deleting).thenRefuses('account-changed');
    expect(error.kind).toBe('conflict');
    const phoned: UserEvent = { type: 'ProfileUpdated', data: { ...base, phone: '+442079460958' } };
    given([registered, phoned]).when(deleting).thenRefuses('account-changed');
    given([registered])
      .when({ ...deleting, addressesKeyed: { email: 'ada@example.com', phone: '+442079460958' } })
      .thenRefuses('account-changed');
    // Keyed for what the account has, phone included, it deletes.
    expect(
      given([registered, moved, phoned])
        .when({ ...deleting, addressesKeyed: { email: 'ada@new.example', phone: '+442079460958' } })
        .decided()
        .map((e) => e.type),
    ).toEqual(['UserDeleted', 'UserErased']);
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

  it('names are 1 to 200 characters (counted as characters, not UTF-16 units), after trimming', () => {
    const register = (name: string) =>
      given([]).when({ ...base, type: 'RegisterUser', name, email: 'a@b.io' });
    expect(register('é'.repeat(200)).decided()[0]).toMatchObject({ data: { name: 'é'.repeat(200) } });
    expect(register('😀'.repeat(200)).decided()).toHaveLength(1);
    expect(register('x'.repeat(201)).thenRefuses('invalid-name', { field: 'name' }).kind).toBe('validation');
    expect(
      given([registered])
        .when({ ...base, type: 'UpdateProfile', name: 'y'.repeat(201) })
        .thenRefuses('invalid-name', { field: 'name' }),
    ).toBeTruthy();
  });

  it('a registration from an invitation names it, and one whose address the link proved starts verified', () => {
    const invitation = { orgId: 'org-1', invitationId: 'inv-1', sendSequence: 1 };
    const events = given([])
      .when({
        ...base,
        type: 'RegisterUser',
        name: 'Ada',
        email: 'ada@example.com',
        invitation,
        emailVerified: true,
      })
      .decided();
    expect(events).toEqual([
      { type: 'UserRegistered', data: { ...base, name: 'Ada', email: 'ada@example.com', invitation } },
      { type: 'EmailVerified', data: { ...base, email: 'ada@example.com' } },
    ]);
    expect(fold(userDecider, events)).toMatchObject({
      emailVerified: true,
      locked: false,
      twoFactorEnabled: false,
    });
  });

  it('a retried registration differing only in name or phone is a conflict, not a no-op', () => {
    const withPhone: UserEvent = {
      type: 'UserRegistered',
      data: { ...base, name: 'Ada', email: 'ada@example.com', phone: '+14155552671' },
    };
    expect(fold(userDecider, [withPhone])).toMatchObject({ phone: '+14155552671' });
    const again = { ...base, type: 'RegisterUser' as const, email: 'ada@example.com' };
    given([withPhone])
      .when({ ...again, name: 'Ada', phone: '+14155552671' })
      .then([]);
    given([withPhone])
      .when({ ...again, name: 'Ada L', phone: '+14155552671' })
      .thenRefuses('user-already-registered', { userId: 'u1' });
    given([withPhone])
      .when({ ...again, name: 'Ada', phone: '+14155552672' })
      .thenRefuses('user-already-registered');
    given([withPhone])
      .when({ ...again, name: 'Ada' })
      .thenRefuses('user-already-registered');
    given([withPhone])
      .when({ ...again, name: 'Ada', email: 'other@example.com', phone: '+14155552671' })
      .thenRefuses('user-already-registered');
  });

  it('a profile change of name alone keeps the phone; of phone alone keeps the name', () => {
    const withPhone: UserEvent = {
      type: 'UserRegistered',
      data: { ...base, name: 'Ada', email: 'ada@example.com', phone: '+14155552671' },
    };
    const renamed = given([withPhone])
      .when({ ...base, type: 'UpdateProfile', name: 'Ada L' })
      .decided();
    expect(renamed).toEqual([{ type: 'ProfileUpdated', data: { ...base, name: 'Ada L' } }]);
    expect(fold(userDecider, [withPhone, ...renamed])).toMatchObject({
      name: 'Ada L',
      phone: '+14155552671',
    });
    const renumbered = given([withPhone])
      .when({ ...base, type: 'UpdateProfile', phone: '+14155552672' })
      .decided();
    expect(renumbered).toEqual([
      { type: 'ProfileUpdated', data: { ...base, phone: '+14155552672', previousPhone: '+14155552671' } },
    ]);
    expect(fold(userDecider, [withPhone, ...renumbered])).toMatchObject({
      name: 'Ada',
      phone: '+14155552672',
    });
    // The same number again, or removing a phone there is none of: nothing to do.
    given([withPhone])
      .when({ ...base, type: 'UpdateProfile', phone: '+14155552671' })
      .then([]);
    given([registered])
      .when({ ...base, type: 'UpdateProfile', phone: null })
      .then([]);
    given([withPhone])
      .when({ ...base, type: 'UpdateProfile', phone: '12' })
      .thenRefuses('invalid-phone');
  });

  it('a locale is kept as its language: given at registration, changed in the profile, refused when unsupported', () => {
    const events = given([])
      .when({ ...base, type: 'RegisterUser', name: 'Ada', email: 'ada@example.com', locale: ' de-AT ' })
      .decided();
    expect(events).toEqual([
      { type: 'UserRegistered', data: { ...base, name: 'Ada', email: 'ada@example.com', locale: 'de' } },
    ]);
    expect(fold(userDecider, events)).toMatchObject({ locale: 'de' });
    expect(fold(userDecider, [registered])).not.toHaveProperty('locale');
    const again = { ...base, type: 'RegisterUser' as const, name: 'Ada', email: 'ada@example.com' };
    given(events)
      .when({ ...again, locale: 'de' })
      .then([]);
    given(events)
      .when({ ...again, locale: 'en' })
      .thenRefuses('user-already-registered');
    given(events).when(again).thenRefuses('user-already-registered');
    expect(
      given([])
        .when({ ...again, locale: 'fr' })
        .refused(),
    ).toMatchObject({ code: 'unsupported-locale', details: { field: 'locale', supported: ['en', 'de'] } });

    const switched = given(events)
      .when({ ...base, type: 'UpdateProfile', locale: 'en_GB' })
      .decided();
    expect(switched).toEqual([{ type: 'ProfileUpdated', data: { ...base, locale: 'en' } }]);
    expect(fold(userDecider, [...events, ...switched])).toMatchObject({ locale: 'en', name: 'Ada' });
    // Renaming keeps the locale; the same locale again is nothing to do.
    expect(
      fold(userDecider, [...events, { type: 'ProfileUpdated', data: { ...base, name: 'Ada L' } }]),
    ).toMatchObject({ locale: 'de', name: 'Ada L' });
    given(events)
      .when({ ...base, type: 'UpdateProfile', locale: 'DE' })
      .then([]);
    given(events)
      .when({ ...base, type: 'UpdateProfile', locale: 'x' })
      .thenRefuses('unsupported-locale');
    given(events)
      .when({ ...base, type: 'UpdateProfile', locale: 'english' })
      .thenRefuses('unsupported-locale');
  });

  it('the same address again is no change; verification of an address it does not have is refused naming it', () => {
    given([registered])
      .when({ ...base, type: 'ChangeEmail', email: ' ADA@example.com' })
      .then([]);
    given([registered])
      .when({ ...base, type: 'VerifyEmail', email: 'other@example.com' })
      .thenRefuses('email-verification-stale', { email: 'other@example.com' });
  });

  it('password changes are recorded with their reason; two-factor is turned off; an unlocked user stays so', () => {
    given([registered])
      .when({ ...base, type: 'ChangePassword', reason: 'reset' })
      .then([{ type: 'PasswordChanged', data: { ...base, reason: 'reset' } }]);
    // A change only dates the end of every session (a keyed retry ends again only those opened before it).
    const changed: UserEvent = {
      type: 'PasswordChanged',
      data: { ...base, at: '2026-01-02T00:00:00.000Z', reason: 'change' },
    };
    expect(fold(userDecider, [registered, changed])).toEqual({
      ...fold(userDecider, [registered]),
      sessionsEndedAt: '2026-01-02T00:00:00.000Z',
    });

    const enabled: UserEvent = {
      type: 'TwoFactorEnabled',
      data: { ...base, at: '2026-01-03T00:00:00.000Z' },
    };
    expect(fold(userDecider, [registered, enabled])).toMatchObject({
      twoFactorEnabled: true,
      sessionsEndedAt: '2026-01-03T00:00:00.000Z',
    });
    const disabled = given([registered, enabled])
      .when({ ...base, type: 'DisableTwoFactor' })
      .decided();
    expect(disabled).toEqual([{ type: 'TwoFactorDisabled', data: base }]);
    expect(fold(userDecider, [registered, enabled, ...disabled])).toMatchObject({
      twoFactorEnabled: false,
      sessionsEndedAt: base.at,
    });

    given([registered])
      .when({ ...base, type: 'UnlockUser' })
      .then([]);
    const locked: UserEvent = { type: 'UserLocked', data: { ...base, reason: 'abuse' } };
    given([registered, locked])
      .when({ ...base, type: 'LockUser', reason: 'again' })
      .then([]);
    given([registered])
      .when({ ...base, type: 'LockUser', reason: 'abuse' })
      .then([locked]);
    const unlocked: UserEvent = { type: 'UserUnlocked', data: base };
    const later = '2026-01-02T00:00:00.000Z';
    const lockedLater: UserEvent = { type: 'UserLocked', data: { ...base, at: later, reason: 'abuse' } };
    // The lock ended the sessions: an unlock does not bring back what was issued before it.
    expect(fold(userDecider, [registered, lockedLater, unlocked])).toMatchObject({
      locked: false,
      sessionsEndedAt: later,
    });
  });

  it('R22: replacing recovery codes is recorded only while two-factor is on, and changes nothing else', () => {
    given([registered])
      .when({ ...base, type: 'ReplaceRecoveryCodes' })
      .thenRefuses('two-factor-not-enrolled', { userId: 'u1' });
    const enabled: UserEvent = {
      type: 'TwoFactorEnabled',
      data: { ...base, at: '2026-01-03T00:00:00.000Z' },
    };
    const replaced = given([registered, enabled])
      .when({ ...base, type: 'ReplaceRecoveryCodes' })
      .decided();
    expect(replaced).toEqual([{ type: 'RecoveryCodesReplaced', data: base }]);
    // Sessions go on, two-factor stays on: the state is as it was.
    expect(fold(userDecider, [registered, enabled, ...replaced])).toEqual(
      fold(userDecider, [registered, enabled]),
    );
    // Replaced again: recorded again (each replacement voids the codes before it).
    given([registered, enabled, ...replaced])
      .when({ ...base, type: 'ReplaceRecoveryCodes' })
      .then(replaced);
    const disabled: UserEvent = { type: 'TwoFactorDisabled', data: base };
    given([registered, enabled, ...replaced, disabled])
      .when({ ...base, type: 'ReplaceRecoveryCodes' })
      .thenRefuses('two-factor-not-enrolled', { userId: 'u1' });
    const deleted: UserEvent = {
      type: 'UserDeleted',
      data: { ...base, ownedOrganizationIds: [], ownedOrganizationsConfirmed: false },
    };
    given([registered, enabled, deleted])
      .when({ ...base, type: 'ReplaceRecoveryCodes' })
      .thenRefuses('user-deleted', { userId: 'u1' });
  });

  it('an event of a later release is folded as nothing: the user stays as they were, and can still act', () => {
    const enabled: UserEvent = { type: 'TwoFactorEnabled', data: base };
    const later = { type: 'SomethingOfALaterRelease', data: base } as unknown as UserEvent;
    expect(fold(userDecider, [registered, enabled, later])).toEqual(fold(userDecider, [registered, enabled]));
    given([registered, enabled, later])
      .when({ ...base, type: 'DisableTwoFactor' })
      .then([{ type: 'TwoFactorDisabled', data: base }]);
  });

  it('a deleted user stays deleted whatever comes after; the refusals name the user', () => {
    const deleted: UserEvent = {
      type: 'UserDeleted',
      data: { ...base, ownedOrganizationIds: [], ownedOrganizationsConfirmed: false },
    };
    const after: UserEvent[] = [
      { type: 'EmailVerified', data: { ...base, email: 'ada@example.com' } },
      { type: 'TwoFactorEnabled', data: base },
      { type: 'UserLocked', data: { ...base, reason: 'x' } },
    ];
    expect(fold(userDecider, [registered, deleted, ...after])).toEqual({ status: 'deleted', userId: 'u1' });
    given([registered, deleted])
      .when({ ...base, type: 'EnableTwoFactor' })
      .thenRefuses('user-deleted', { userId: 'u1' });
    given([])
      .when({ ...base, type: 'EnableTwoFactor' })
      .thenRefuses('user-not-found', { userId: 'u1' });
    given([registered, deleted])
      .when({ ...base, type: 'RegisterUser', name: 'Ada', email: 'ada@example.com' })
      .thenRefuses('user-deleted', { userId: 'u1' });
  });

  it('R10: the refusal to delete without confirmation explains itself', () => {
    const error = given([registered])
      .when({
        ...base,
        type: 'DeleteUser',
        ownedOrganizationIds: ['org-1'],
        ownedOrganizationsConfirmed: false,
        addressKeys: [],
        addressesKeyed: { email: 'ada@example.com' },
      })
      .thenRefuses('owned-organizations-confirmation-required');
    expect(error.kind).toBe('rule-violation');
  });
});
