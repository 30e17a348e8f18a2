import fc from 'fast-check';
import { DomainError, fold } from '@app/domain';
import { type UserCommand } from './user.commands';
import { userDecider, type UserState } from './user.decider';
import { type UserEvent } from './user.events';

const at = '2026-01-01T00:00:00.000Z';
const base = { userId: 'u1', actorId: 'u1', at };
const registered: UserEvent = {
  type: 'UserRegistered',
  data: { ...base, name: 'Ada', email: 'ada@example.com' },
};

describe('user decider (property-based)', () => {
  it('property: any command sequence keeps the state consistent and a deleted user stays deleted', () => {
    const command = fc.oneof(
      fc.constantFrom<UserCommand['type']>(
        'VerifyEmail',
        'EnableTwoFactor',
        'DisableTwoFactor',
        'LockUser',
        'UnlockUser',
        'ChangePassword',
      ),
      fc.constant('ChangeEmail' as const),
      fc.constant('DeleteUser' as const),
    );
    const emails = fc.constantFrom('a@x.io', 'B@x.io', 'c@y.io');
    fc.assert(
      fc.property(fc.array(fc.tuple(command, emails, fc.boolean()), { maxLength: 30 }), (steps) => {
        let events: UserEvent[] = [registered];
        let state: UserState = fold(userDecider, events);
        let deleted = false;
        for (const [type, email, flag] of steps) {
          const cmd = toCommand(type, email, flag, state);
          let produced: readonly UserEvent[] = [];
          try {
            produced = userDecider.decide(cmd, state);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            if (deleted) expect(error.kind).toBe('gone');
          }
          if (deleted) expect(produced).toEqual([]);
          events = [...events, ...produced];
          state = fold(userDecider, produced, state);
          if (state.status === 'deleted') deleted = true;
          // Replaying the whole history gives the same state as folding step by step.
          expect(fold(userDecider, events)).toEqual(state);
          // Repeating a command that just took effect is a no-op (or a rejection), never a second event.
          if (produced.length > 0 && cmd.type !== 'ChangePassword' && cmd.type !== 'DeleteUser')
            expect(safeDecide(cmd, state)).toEqual([]);
        }
      }),
    );
  });
});

function safeDecide(command: UserCommand, state: UserState): readonly UserEvent[] {
  try {
    return userDecider.decide(command, state);
  } catch {
    return [];
  }
}

function toCommand(type: UserCommand['type'], email: string, flag: boolean, state: UserState): UserCommand {
  switch (type) {
    case 'VerifyEmail':
      return { ...base, type, email: flag && state.status === 'active' ? state.email : email };
    case 'ChangeEmail':
      return { ...base, type, email };
    case 'ChangePassword':
      return { ...base, type, reason: flag ? 'change' : 'reset' };
    case 'LockUser':
      return { ...base, type, reason: 'r' };
    case 'DeleteUser':
      return {
        ...base,
        type,
        ownedOrganizationIds: flag ? ['o'] : [],
        ownedOrganizationsConfirmed: false,
        addressKeys: [],
        addressesKeyed:
          state.status === 'active'
            ? { email: state.email, ...(state.phone ? { phone: state.phone } : {}) }
            : { email },
      };
    case 'EnableTwoFactor':
    case 'DisableTwoFactor':
    case 'UnlockUser':
      return { ...base, type };
    default:
      return { ...base, type: 'UnlockUser' };
  }
}
