import { type DomainError, fold } from '@app/domain';
import {
  emailReservationStream,
  legacyPhoneReservationStream,
  phoneReservationStream,
  reservationDecider,
  type ReservationEvent,
} from './reservation.decider';
import { normalizeEmail } from '@app/identifiers';

const at = '2026-01-01T00:00:00.000Z';

describe('identifier reservations (unique e-mail and phone)', () => {
  it('the e-mail and phone streams are named by hashes, case and spaces ignored (no address in a stream name)', () => {
    const name = emailReservationStream(normalizeEmail('  Ada@Example.com'));
    expect(name).toBe(emailReservationStream('ada@example.com'));
    expect(name).toMatch(/^email-[0-9a-f]{64}$/);
    expect(name).not.toContain('ada');
    const phone = phoneReservationStream('+14155552671');
    expect(phone).toMatch(/^phone-[0-9a-f]{64}$/);
    expect(phone).not.toContain('4155552671');
    expect(legacyPhoneReservationStream('+14155552671')).toBe('phone-+14155552671');
  });

  it('reserves once; the holder reserving again is a no-op; another user gets email-taken', () => {
    const events = reservationDecider.decide(
      { type: 'ReserveIdentifier', kind: 'email', userId: 'u1', at },
      {},
    );
    const state = fold(reservationDecider, events);
    expect(state).toEqual({ holder: 'u1' });
    expect(
      reservationDecider.decide({ type: 'ReserveIdentifier', kind: 'email', userId: 'u1', at }, state),
    ).toEqual([]);
    expect(() =>
      reservationDecider.decide({ type: 'ReserveIdentifier', kind: 'email', userId: 'u2', at }, state),
    ).toThrow(expect.objectContaining({ code: 'email-taken', kind: 'conflict' }) as DomainError);
  });

  it('a released identifier can be taken by someone else; only the holder releases', () => {
    const history: ReservationEvent[] = [
      { type: 'IdentifierReserved', data: { kind: 'phone', userId: 'u1', at } },
    ];
    expect(
      reservationDecider.decide(
        { type: 'ReleaseIdentifier', kind: 'phone', userId: 'u2', at },
        fold(reservationDecider, history),
      ),
    ).toEqual([]);
    const released = reservationDecider.decide(
      { type: 'ReleaseIdentifier', kind: 'phone', userId: 'u1', at },
      fold(reservationDecider, history),
    );
    const state = fold(reservationDecider, [...history, ...released]);
    expect(state).toEqual({});
    expect(
      reservationDecider
        .decide({ type: 'ReserveIdentifier', kind: 'phone', userId: 'u2', at }, state)
        .map((e) => e.type),
    ).toEqual(['IdentifierReserved']);
  });
});
