import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AggregateStore } from '@app/event-store';
import { PseudonymousIds } from '@app/personal-data';
import { useTestEventStore } from '@app/testing/test-event-store';
import { legacyReservationStreams, reservationDecider } from '../users/reservation.decider';
import { userDecider } from '../users/user.decider';
import { userStreamName } from '../users/user.events';
import { IdentifierReservations } from './identifier-reservations';

describe('identifier reservations on the event store', () => {
  const eventStore = useTestEventStore();
  const masterKey = randomBytes(32);
  let store: AggregateStore;
  let clock: Date;
  let reservations: IdentifierReservations;
  beforeAll(() => {
    store = new AggregateStore(eventStore.client);
  });
  beforeEach(() => {
    clock = new Date();
    reservations = new IdentifierReservations(store, new PseudonymousIds(masterKey), () => clock);
  });

  const address = () => `ada-${randomUUID().slice(0, 8)}@example.com`;
  const phone = () => `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
  const streamExists = async (stream: string) =>
    (await store.load(stream, { decider: reservationDecider })).revision !== undefined;
  /** A reservation as an earlier release made it, on the stream it used. */
  const reserveAsBefore = (stream: string, kind: 'email' | 'phone', userId: string, at = new Date()) =>
    store.handle(
      stream,
      { decider: reservationDecider },
      { type: 'ReserveIdentifier', kind, userId, at: at.toISOString() },
      { commandId: randomUUID(), actor: userId },
    );
  /** A registered account at `email`; its id. */
  const accountAt = async (email: string) => {
    const userId = randomUUID();
    await store.handle(
      userStreamName(userId),
      { decider: userDecider },
      { userId, actorId: userId, at: clock.toISOString(), type: 'RegisterUser', name: 'Mover', email },
      { commandId: randomUUID(), actor: userId },
    );
    return userId;
  };
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'done',
      (error: { code?: string }) => error.code,
    );

  it('names the stream by a keyed hash: not the address, not its plain hash, and unknown without the master key', async () => {
    const email = address();
    await reservations.reserve('email', email, 'u1', randomUUID());
    const stream = reservations.streamOf('email', email);
    expect(await streamExists(stream)).toBe(true);
    expect(stream).not.toContain(email.split('@')[0]);
    expect(stream).not.toContain(createHash('sha256').update(email).digest('hex'));
    for (const legacy of legacyReservationStreams('email', email))
      expect(await streamExists(legacy)).toBe(false);
    expect(await reservations.holderOf('email', email)).toBe('u1');
    // the same store read with another master key finds no holder: the name cannot be derived without the key
    const otherKey = new IdentifierReservations(store, new PseudonymousIds(randomBytes(32)));
    expect(otherKey.streamOf('email', email)).not.toBe(stream);
    expect(await otherKey.holderOf('email', email)).toBeUndefined();
  });

  it('a reservation undone and then retried under the same command id is held again (a registration retried)', async () => {
    const email = address();
    const commandId = randomUUID();
    await reservations.reserve('email', email, 'u1', commandId);
    await reservations.release('email', email, 'u1', `${commandId}/undo`);
    expect(await reservations.holderOf('email', email)).toBeUndefined();
    await reservations.reserve('email', email, 'u1', commandId);
    expect(await reservations.holderOf('email', email)).toBe('u1');
    expect(await codeOf(reservations.reserve('email', email, 'u2', randomUUID()))).toBe('email-taken');
    // Retried again while held: it is renewed, once (a holder still at it is not left behind), and stays u1's.
    const revision = async () =>
      (await store.load(reservations.streamOf('email', email), { decider: reservationDecider })).revision;
    const before = await revision();
    await reservations.reserve('email', email, 'u1', commandId);
    expect(await revision()).toBe(before! + 1n);
    expect(await reservations.holderOf('email', email)).toBe('u1');
  });

  it('a second user gets email-taken; after the holder releases, the second user reserves it', async () => {
    const email = address();
    await reservations.reserve('email', email, 'u1', randomUUID());
    expect(await codeOf(reservations.reserve('email', email, 'u2', randomUUID()))).toBe('email-taken');
    await reservations.release('email', email, 'u1', randomUUID());
    expect(await reservations.holderOf('email', email)).toBeUndefined();
    await reservations.reserve('email', email, 'u2', randomUUID());
    expect(await reservations.holderOf('email', email)).toBe('u2');
  });

  it.each([
    ['an e-mail under its plain hash', 'email' as const, 0],
    ['a phone under its plain hash', 'phone' as const, 0],
    ['a phone under the number itself', 'phone' as const, 1],
  ])(
    '%s, reserved by an earlier release, stays its holder’s until they release it',
    async (_name, kind, which) => {
      const value = kind === 'email' ? address() : phone();
      await reserveAsBefore(legacyReservationStreams(kind, value)[which]!, kind, 'u1');
      expect(await reservations.holderOf(kind, value)).toBe('u1');
      expect(await codeOf(reservations.reserve(kind, value, 'u2', randomUUID()))).toBe(`${kind}-taken`);
      expect(await streamExists(reservations.streamOf(kind, value))).toBe(false);
      // its holder may reserve it again (a retried registration), then releases it everywhere
      await reservations.reserve(kind, value, 'u1', randomUUID());
      await reservations.release(kind, value, 'u1', randomUUID());
      expect(await reservations.holderOf(kind, value)).toBeUndefined();
      await reservations.reserve(kind, value, 'u2', randomUUID());
      expect(await reservations.holderOf(kind, value)).toBe('u2');
    },
  );

  it('a reservation left by a registration that never finished is taken over after a minute, wherever it was made', async () => {
    const email = address();
    await reserveAsBefore(legacyReservationStreams('email', email)[0]!, 'email', 'never-registered', clock);
    expect(await codeOf(reservations.reserve('email', email, 'u2', randomUUID()))).toBe('email-taken');
    clock = new Date(clock.getTime() + 61_000);
    await reservations.reserve('email', email, 'u2', randomUUID());
    expect(await reservations.holderOf('email', email)).toBe('u2');
    const legacy = await store.load(legacyReservationStreams('email', email)[0]!, {
      decider: reservationDecider,
    });
    expect(legacy.state.holder).toBeUndefined();
  });

  it('R18: an address held by an account that has another address now (a move whose release a crash cut short) is taken over after a minute; the one it has is kept', async () => {
    const [left, current] = [address(), address()];
    const holder = await accountAt(current);
    await reservations.reserve('email', current, holder, randomUUID());
    await reservations.reserve('email', left, holder, randomUUID());
    expect(await codeOf(reservations.reserve('email', left, 'u2', randomUUID()))).toBe('email-taken');
    expect(await codeOf(reservations.refuseTaken('email', left, 'u2'))).toBe('email-taken');
    clock = new Date(clock.getTime() + 61_000);
    expect(await codeOf(reservations.refuseTaken('email', left, 'u2'))).toBe('done');
    expect(await codeOf(reservations.reserve('email', current, 'u2', randomUUID()))).toBe('email-taken');
    await reservations.reserve('email', left, 'u2', randomUUID());
    expect(await reservations.holderOf('email', left)).toBe('u2');
    expect(await reservations.holderOf('email', current)).toBe(holder);
  });

  it('R18: an account taking up again an address found left behind keeps it, even when a take-over had read it as left', async () => {
    const [left, current] = [address(), address()];
    const holder = await accountAt(current);
    await reservations.reserve('email', left, holder, randomUUID());
    clock = new Date(clock.getTime() + 61_000);
    // The holder moves back to it (reserving it again) between the take-over's reading it as left and its release.
    const handle = store.handle.bind(store);
    let interleaved = false;
    const racing = jest
      .spyOn(store, 'handle')
      .mockImplementation(async (stream, definition, command, context) => {
        const asked = command as { type?: string; heldSince?: string };
        if (asked.type === 'ReleaseIdentifier' && asked.heldSince !== undefined && !interleaved) {
          interleaved = true;
          await reservations.reserve('email', left, holder, randomUUID());
        }
        return handle(stream, definition, command, context);
      });
    try {
      expect(await codeOf(reservations.reserve('email', left, 'u2', randomUUID()))).toBe('email-taken');
    } finally {
      racing.mockRestore();
    }
    expect(interleaved).toBe(true);
    expect(await reservations.holderOf('email', left)).toBe(holder);
  });

  it('a take-over of what an account left behind frees it on the streams of earlier releases too, and stays taken', async () => {
    const [left, current] = [address(), address()];
    const holder = await accountAt(current);
    const legacy = legacyReservationStreams('email', left)[0]!;
    await reserveAsBefore(legacy, 'email', holder, clock);
    clock = new Date(clock.getTime() + 1_000);
    await reservations.reserve('email', left, holder, randomUUID());
    clock = new Date(clock.getTime() + 61_000);
    await reservations.reserve('email', left, 'u2', randomUUID());
    expect((await store.load(legacy, { decider: reservationDecider })).state.holder).toBeUndefined();
    expect(await reservations.holderOf('email', left)).toBe('u2');
    await reservations.reserve('email', left, 'u2', randomUUID());
  });

  it('a reservation retried under its command id renews it: a holder still at it is not left behind', async () => {
    const left = address();
    const holder = await accountAt(address());
    const commandId = randomUUID();
    await reservations.reserve('email', left, holder, commandId);
    clock = new Date(clock.getTime() + 61_000);
    await reservations.reserve('email', left, holder, commandId);
    expect(await codeOf(reservations.reserve('email', left, 'u2', randomUUID()))).toBe('email-taken');
    expect(await reservations.holderOf('email', left)).toBe(holder);
  });

  it('R10: an address still held by a deleted account (a change raced its deletion) is free to reserve at once', async () => {
    const email = address();
    const deleted = randomUUID();
    const at = clock.toISOString();
    const stamp = { userId: deleted, actorId: deleted, at };
    await store.handle(
      userStreamName(deleted),
      { decider: userDecider },
      { ...stamp, type: 'RegisterUser', name: 'Gone', email: 'gone@example.com' },
      { commandId: randomUUID(), actor: deleted },
    );
    await reservations.reserve('email', email, deleted, randomUUID());
    // A live holder keeps it.
    expect(await codeOf(reservations.reserve('email', email, 'u2', randomUUID()))).toBe('email-taken');
    await store.handle(
      userStreamName(deleted),
      { decider: userDecider },
      {
        ...stamp,
        type: 'DeleteUser',
        ownedOrganizationIds: [],
        ownedOrganizationsConfirmed: false,
        addressKeys: [],
        addressesKeyed: { email: 'gone@example.com' },
      },
      { commandId: randomUUID(), actor: deleted },
    );
    await reservations.reserve('email', email, 'u2', randomUUID());
    expect(await reservations.holderOf('email', email)).toBe('u2');
  });
});
