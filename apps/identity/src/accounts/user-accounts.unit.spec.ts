import { type AggregateStore } from '@app/event-store';
import { type IdentifierReservations } from './identifier-reservations';
import { LoginIndex } from './login-index';
import { UserAccounts } from './user-accounts';

/** Reservations that say who holds an address, counting how often they are asked. */
function reservationsOf(holders: Record<string, string>) {
  const asked: string[] = [];
  const reservations = {
    holderOf: (_kind: string, email: string) => {
      asked.push(email);
      return Promise.resolve(holders[email]);
    },
  } as unknown as IdentifierReservations;
  return { asked, reservations };
}

const registered = (userId: string, email: string) =>
  ({
    streamName: `user-${userId}`,
    event: { type: 'UserRegistered', data: { userId, email, name: 'N', actorId: userId, at: '' } },
  }) as never;

describe('the login lookup', () => {
  it('reads the address’s holder for a known and an unknown address alike, so refusing an unknown one takes no longer', async () => {
    const index = new LoginIndex();
    index.apply(registered('u1', 'ada@example.com'));
    const { asked, reservations } = reservationsOf({ 'ada@example.com': 'u1' });
    const accounts = new UserAccounts({} as AggregateStore, reservations, index);
    expect(await accounts.findByEmail('ada@example.com')).toEqual({
      userId: 'u1',
      locked: false,
      twoFactorEnabled: false,
    });
    expect(await accounts.findByEmail('nobody@example.com')).toBeNull();
    expect(asked).toEqual(['ada@example.com', 'nobody@example.com']);
  });

  it('an index entry for an address another account holds now is not taken for it', async () => {
    const index = new LoginIndex();
    index.apply(registered('u1', 'ada@example.com'));
    const { reservations } = reservationsOf({ 'ada@example.com': 'u2' });
    const store = {
      load: () =>
        Promise.resolve({
          state: {
            status: 'active',
            userId: 'u2',
            email: 'ada@example.com',
            locked: true,
            twoFactorEnabled: true,
          },
        }),
    } as unknown as AggregateStore;
    expect(await new UserAccounts(store, reservations, index).findByEmail('ada@example.com')).toEqual({
      userId: 'u2',
      locked: true,
      twoFactorEnabled: true,
    });
  });
});
