import { type RecordedDomainEvent } from '@app/event-store';
import { type UserEvent } from '../users/user.events';
import { LoginIndex } from './login-index';

const at = '2026-01-01T00:00:00.000Z';
const recorded = (event: UserEvent, streamName = `user-${event.data.userId}`) =>
  ({ event, streamName }) as RecordedDomainEvent<UserEvent>;

describe('login index', () => {
  it('follows registration, e-mail change, 2FA, lock and deletion of a user', () => {
    const index = new LoginIndex();
    const stamp = { userId: 'u1', actorId: 'u1', at };
    index.apply(recorded({ type: 'UserRegistered', data: { ...stamp, name: 'A', email: 'a@x.io' } }));
    expect(index.find('a@x.io')).toEqual({ userId: 'u1', locked: false, twoFactorEnabled: false });
    index.apply(
      recorded({ type: 'EmailChanged', data: { ...stamp, previousEmail: 'a@x.io', email: 'b@x.io' } }),
    );
    index.apply(recorded({ type: 'TwoFactorEnabled', data: stamp }));
    index.apply(recorded({ type: 'UserLocked', data: { ...stamp, reason: 'abuse' } }));
    expect(index.find('a@x.io')).toBeUndefined();
    expect(index.find('b@x.io')).toEqual({ userId: 'u1', locked: true, twoFactorEnabled: true });
    index.apply(
      recorded({
        type: 'UserDeleted',
        data: { ...stamp, ownedOrganizationIds: [], ownedOrganizationsConfirmed: false },
      }),
    );
    expect(index.find('b@x.io')).toBeUndefined();
  });

  it('an account withdrawn after registering an address another account holds leaves that account found', () => {
    const index = new LoginIndex();
    const register = (userId: string) =>
      index.apply(
        recorded({
          type: 'UserRegistered',
          data: { userId, actorId: userId, at, name: 'A', email: 'a@x.io' },
        }),
      );
    register('keeps');
    register('withdrawn');
    index.apply(
      recorded({ type: 'UserLocked', data: { userId: 'keeps', actorId: 'op', at, reason: 'abuse' } }),
    );
    index.apply(
      recorded({
        type: 'UserDeleted',
        data: {
          userId: 'withdrawn',
          actorId: 'system',
          at,
          ownedOrganizationIds: [],
          ownedOrganizationsConfirmed: false,
        },
      }),
    );
    expect(index.find('a@x.io')).toEqual({ userId: 'keeps', locked: true, twoFactorEnabled: false });
  });

  it('ignores streams other than users (reservations carry no address)', () => {
    const index = new LoginIndex();
    index.apply(
      recorded(
        { type: 'UserRegistered', data: { userId: 'u1', actorId: 'u1', at, name: 'A', email: 'a@x.io' } },
        'email-abc',
      ),
    );
    expect(index.find('a@x.io')).toBeUndefined();
  });
});
