import { type Decider, DomainError } from '@app/domain';
import { parseEmail } from '@app/identifiers';
import { assertE164, parseLocale } from '@app/identifiers';
import { type UserCommand } from './user.commands';
import { type UserEvent } from './user.events';

export interface ActiveUser {
  readonly status: 'active';
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly phone?: string;
  /** Messages to the user are written in it; without one, in the deployment's default language. */
  readonly locale?: string;
  readonly twoFactorEnabled: boolean;
  readonly locked: boolean;
  /** When a password change or reset, or two-factor turned on or off, last ended every session of the user. */
  readonly sessionsEndedAt?: string;
}

export type UserState =
  { readonly status: 'none' } | ActiveUser | { readonly status: 'deleted'; readonly userId: string };

const MAX_NAME = 200;

/** A locked account does not move to another address: its links may be in the hands it was locked against. */
export function refuseWhileLocked(user: ActiveUser): void {
  if (user.locked)
    throw new DomainError('account-locked', 'forbidden', 'the account is locked; an operator can unlock it', {
      userId: user.userId,
    });
}

export function parseName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || [...name].length > MAX_NAME)
    throw new DomainError('invalid-name', 'validation', `name must be 1-${MAX_NAME} characters`, {
      field: 'name',
    });
  return name;
}

function evolve(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserRegistered') {
    const { userId, name, email, phone, locale } = event.data;
    return {
      status: 'active',
      userId,
      name,
      email,
      emailVerified: false,
      ...(phone ? { phone } : {}),
      ...(locale ? { locale } : {}),
      twoFactorEnabled: false,
      locked: false,
    };
  }
  if (state.status !== 'active') return state;
  switch (event.type) {
    case 'EmailVerified':
      return event.data.email === state.email ? { ...state, emailVerified: true } : state;
    case 'EmailChanged':
      return { ...state, email: event.data.email, emailVerified: false };
    case 'ProfileUpdated': {
      const { name, phone, locale } = event.data;
      const next: ActiveUser = {
        ...state,
        ...(name !== undefined ? { name } : {}),
        ...(locale !== undefined ? { locale } : {}),
      };
      if (phone === undefined) return next;
      if (phone === null) {
        const { phone: _removed, ...rest } = next;
        return rest;
      }
      return { ...next, phone };
    }
    case 'PasswordChanged':
      return { ...state, sessionsEndedAt: event.data.at };
    case 'TwoFactorEnabled':
      return { ...state, twoFactorEnabled: true, sessionsEndedAt: event.data.at };
    case 'TwoFactorDisabled':
      return { ...state, twoFactorEnabled: false, sessionsEndedAt: event.data.at };
    case 'RecoveryCodesReplaced':
      return state;
    case 'UserLocked':
      // A lock ends every session: tokens issued before it stay refused after an unlock.
      return { ...state, locked: true, sessionsEndedAt: event.data.at };
    case 'UserUnlocked':
      return { ...state, locked: false };
    case 'UserDeleted':
      return { status: 'deleted', userId: state.userId };
    case 'UserErased':
      return state;
    default: {
      // An event type of a later release (a replica rolled back, or not yet rolled forward) changes nothing it knows.
      const later: never = event;
      void later;
      return state;
    }
  }
}

function requireActive(state: UserState, userId: string): ActiveUser {
  if (state.status === 'none')
    throw new DomainError('user-not-found', 'not-found', 'no such user', { userId });
  if (state.status === 'deleted')
    throw new DomainError('user-deleted', 'gone', 'the user was deleted', { userId });
  return state;
}

function decide(command: UserCommand, state: UserState): UserEvent[] {
  const stamp = { userId: command.userId, actorId: command.actorId, at: command.at };
  if (command.type === 'RegisterUser') {
    const name = parseName(command.name);
    const email = parseEmail(command.email);
    const phone = command.phone === undefined ? undefined : assertE164(command.phone);
    const locale = command.locale === undefined ? undefined : parseLocale(command.locale);
    if (state.status === 'active') {
      // A retried registration with the same data already took effect.
      if (state.email === email && state.name === name && state.phone === phone && state.locale === locale)
        return [];
      throw new DomainError('user-already-registered', 'conflict', 'this user id is already registered', {
        userId: command.userId,
      });
    }
    if (state.status === 'deleted')
      throw new DomainError('user-deleted', 'gone', 'the user was deleted', { userId: command.userId });
    const registered: UserEvent = {
      type: 'UserRegistered',
      data: {
        ...stamp,
        name,
        email,
        ...(phone ? { phone } : {}),
        ...(locale ? { locale } : {}),
        ...(command.invitation ? { invitation: { ...command.invitation } } : {}),
      },
    };
    return command.emailVerified
      ? [registered, { type: 'EmailVerified', data: { ...stamp, email } }]
      : [registered];
  }

  const user = requireActive(state, command.userId);
  switch (command.type) {
    case 'VerifyEmail': {
      const email = parseEmail(command.email);
      // R18: the link proves the address it was sent to; after a change of address it proves nothing.
      if (email !== user.email)
        throw new DomainError(
          'email-verification-stale',
          'rule-violation',
          'the address changed since the link was sent',
          {
            email,
          },
        );
      return user.emailVerified ? [] : [{ type: 'EmailVerified', data: { ...stamp, email } }];
    }
    case 'ChangeEmail': {
      const email = parseEmail(command.email);
      if (email === user.email) return [];
      refuseWhileLocked(user);
      // Checked here too, not only before the link was used: a password reset landing in between would not stop it.
      if (command.sessionsEndedAt !== undefined && command.sessionsEndedAt !== (user.sessionsEndedAt ?? ''))
        throw new DomainError(
          'token-invalid',
          'gone',
          'this link was voided: the account changed since it was sent',
        );
      // Decided once a link mailed to the new address was used: the move proves it.
      return [
        { type: 'EmailChanged', data: { ...stamp, previousEmail: user.email, email } },
        { type: 'EmailVerified', data: { ...stamp, email } },
      ];
    }
    case 'UpdateProfile': {
      const name = command.name === undefined ? undefined : parseName(command.name);
      const phone =
        command.phone === undefined || command.phone === null ? command.phone : assertE164(command.phone);
      const locale = command.locale === undefined ? undefined : parseLocale(command.locale);
      const nameChanged = name !== undefined && name !== user.name;
      const phoneChanged = phone !== undefined && (phone ?? undefined) !== user.phone;
      const localeChanged = locale !== undefined && locale !== user.locale;
      if (!nameChanged && !phoneChanged && !localeChanged) return [];
      return [
        {
          type: 'ProfileUpdated',
          data: {
            ...stamp,
            ...(nameChanged ? { name } : {}),
            ...(phoneChanged ? { phone, ...(user.phone ? { previousPhone: user.phone } : {}) } : {}),
            ...(localeChanged ? { locale } : {}),
          },
        },
      ];
    }
    case 'ChangePassword':
      return [{ type: 'PasswordChanged', data: { ...stamp, reason: command.reason } }];
    case 'EnableTwoFactor':
      return user.twoFactorEnabled ? [] : [{ type: 'TwoFactorEnabled', data: stamp }];
    case 'DisableTwoFactor':
      return user.twoFactorEnabled ? [{ type: 'TwoFactorDisabled', data: stamp }] : [];
    case 'ReplaceRecoveryCodes':
      if (!user.twoFactorEnabled)
        throw new DomainError('two-factor-not-enrolled', 'not-found', 'two-factor sign-in is not on', {
          userId: command.userId,
        });
      return [{ type: 'RecoveryCodesReplaced', data: stamp }];
    case 'LockUser':
      return user.locked ? [] : [{ type: 'UserLocked', data: { ...stamp, reason: command.reason } }];
    case 'UnlockUser':
      return user.locked ? [{ type: 'UserUnlocked', data: stamp }] : [];
    case 'DeleteUser': {
      // The keys to destroy and the addresses to free were read before: an address changed since (a change racing
      // the deletion) would stay behind, reserved by a deleted account and its key alive. Read again and retry.
      const keyed = command.addressesKeyed;
      if (keyed.email !== user.email || (keyed.phone ?? null) !== (user.phone ?? null))
        throw new DomainError(
          'account-changed',
          'conflict',
          'the account changed its address while it was being deleted: try again',
        );
      // R10: an Owner deleting their account takes their organizations with it, but only after saying so explicitly.
      const named = command.confirmedOrganizationIds;
      const unconfirmed = command.ownedOrganizationIds.filter(
        (orgId) => !command.ownedOrganizationsConfirmed || (named !== undefined && !named.includes(orgId)),
      );
      if (unconfirmed.length > 0)
        throw new DomainError(
          'owned-organizations-confirmation-required',
          'rule-violation',
          command.ownedOrganizationsConfirmed
            ? 'the account owns organizations that were not among those confirmed; confirm them to proceed'
            : 'deleting this account deletes the organizations it owns; confirm to proceed',
          {
            ownedOrganizationIds: [...command.ownedOrganizationIds],
            unconfirmedOrganizationIds: unconfirmed,
          },
        );
      return [
        {
          type: 'UserDeleted',
          data: {
            ...stamp,
            ownedOrganizationIds: [...command.ownedOrganizationIds],
            ownedOrganizationsConfirmed: command.ownedOrganizationsConfirmed,
          },
        },
        { type: 'UserErased', data: { ...stamp, erasedKeys: [command.userId, ...command.addressKeys] } },
      ];
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

export const userDecider: Decider<UserState, UserCommand, UserEvent> = {
  initialState: () => ({ status: 'none' }),
  evolve,
  decide,
};
