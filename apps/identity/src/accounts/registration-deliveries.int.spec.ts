import { randomBytes, randomUUID } from 'node:crypto';
import { AggregateStore } from '@app/event-store';
import { PseudonymousIds } from '@app/personal-data';
import { useTestEventStore } from '@app/testing/test-event-store';
import { IdentifierReservations } from './identifier-reservations';
import { Registration, registeredUserId } from './registration';

/**
 * One registration from an invitation delivered twice at once (a rebalance hands it to a second consumer while the
 * first still works on it): one delivery fails after reserving and undoes, the other makes the account. Whatever
 * the order of the undo and the account's append, the account ends holding its address and its link. The
 * reservations are the real ones on the event store; the rest is held in memory, each step released by the test.
 */
describe('R5: a registration delivered twice, one delivery failing', () => {
  const eventStore = useTestEventStore();

  async function deliveredTwice(
    order: 'undo before the append' | 'append between the undo’s read and release',
  ) {
    const reservations = new IdentifierReservations(
      new AggregateStore(eventStore.client),
      new PseudonymousIds(randomBytes(32)),
    );
    const accounts = new Map<string, { status: string; email: string; emailVerified: boolean }>();
    const email = `twice-${randomUUID().slice(0, 8)}@example.com`;
    const invitation = {
      invitationId: randomUUID(),
      orgId: randomUUID(),
      orgName: 'Acme',
      email,
      role: 'user',
      status: 'pending' as const,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      sendSequence: 1,
    };
    const signal = () => {
      let fire!: () => void;
      return { fired: new Promise<void>((resolve) => (fire = resolve)), fire: () => fire() };
    };
    const secondReserved = signal();
    let firstFailed = false;
    const undoRead = signal();
    const firstReleased = signal();
    const secondAppended = signal();
    let hashes = 0;
    const registration = new Registration({
      policy: { assert: () => undefined },
      hasher: { hash: () => Promise.resolve('hash') },
      credentials: {
        setHash: async () => {
          // The first delivery fails once the second holds what the first reserved.
          if (++hashes === 1) {
            await secondReserved.fired;
            firstFailed = true;
            throw new Error('the store failed (first delivery)');
          }
          secondReserved.fire();
        },
      },
      accounts: {
        load: async (id: string) => {
          const account = accounts.get(id) ?? { status: 'none' };
          // Once the first delivery failed, its undo is what reads the account.
          if (firstFailed) undoRead.fire();
          return account;
        },
        execute: async (command: { userId: string; email: string }) => {
          await (order === 'undo before the append' ? firstReleased.fired : undoRead.fired);
          accounts.set(command.userId, { status: 'active', email: command.email, emailVerified: true });
          secondAppended.fire();
          return {};
        },
      },
      reservations: {
        holderOf: (...args: Parameters<IdentifierReservations['holderOf']>) => reservations.holderOf(...args),
        reserve: (...args: Parameters<IdentifierReservations['reserve']>) => reservations.reserve(...args),
        release: async (...args: Parameters<IdentifierReservations['release']>) => {
          if (order !== 'undo before the append') await secondAppended.fired;
          await reservations.release(...args);
          if (args[0] === 'email') firstReleased.fire();
        },
      },
      invitations: { describe: () => Promise.resolve(invitation) },
    } as unknown as ConstructorParameters<typeof Registration>[0]);
    const input = { commandId: randomUUID(), token: 't', name: 'Ada', password: 'pw', termsAccepted: true };
    const outcomes = await Promise.allSettled([
      registration.registerFromInvitation(input),
      registration.registerFromInvitation(input),
    ]);
    const userId = registeredUserId(input.commandId);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(accounts.get(userId)?.status).toBe('active');
    expect(await reservations.holderOf('email', email)).toBe(userId);
    expect(
      await reservations.holderOf('invitation', `${invitation.orgId}/${invitation.invitationId}/1`),
    ).toBe(userId);
  }

  it('the undo lets go before the account is appended: the account takes them back', () =>
    deliveredTwice('undo before the append'));

  it('the account is appended after the undo read no account, before it let go: the undo gives them back', () =>
    deliveredTwice('append between the undo’s read and release'));
});
