import { createHash } from 'node:crypto';
import { type DomainError, fold } from '@app/domain';
import { legacyReservationStreams, reservationDecider, type ReservationEvent } from './reservation.decider';

const at = '2026-01-01T00:00:00.000Z';

describe('identifier reservations (unique e-mail and phone)', () => {
  it('earlier releases named the streams by plain hashes (and phones, before that, by the number): still read', () => {
    const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
    expect(legacyReservationStreams('email', 'ada@example.com')).toEqual([
      `email-${sha256('ada@example.com')}`,
    ]);
    expect(legacyReservationStreams('phone', '+14155552671')).toEqual([
      `phone-${sha256('+14155552671')}`,
      'phone-+14155552671',
    ]);
    // Invitations were never reserved before: there is nowhere older to look.
    expect(legacyReservationStreams('invitation', 'org-1/i-1/1')).toEqual([]);
  });

  it('R5: a link is claimed by one new account; another gets invitation-taken', () => {
    const claimed = fold(
      reservationDecider,
      reservationDecider.decide({ type: 'ReserveIdentifier', kind: 'invitation', userId: 'u1', at }, {}),
    );
    expect(() =>
      reservationDecider.decide({ type: 'ReserveIdentifier', kind: 'invitation', userId: 'u2', at }, claimed),
    ).toThrow(expect.objectContaining({ code: 'invitation-taken', kind: 'conflict' }));
  });

  it('reserves once; the holder reserving again is recorded, renewing it; another user gets email-taken', () => {
    const events = reservationDecider.decide(
      { type: 'ReserveIdentifier', kind: 'email', userId: 'u1', at },
      {},
    );
    const state = fold(reservationDecider, events);
    expect(state).toEqual({ holder: 'u1', since: at });
    const later = '2026-01-01T00:05:00.000Z';
    const again = reservationDecider.decide(
      { type: 'ReserveIdentifier', kind: 'email', userId: 'u1', at: later },
      state,
    );
    expect(again).toEqual([{ type: 'IdentifierReserved', data: { kind: 'email', userId: 'u1', at: later } }]);
    expect(fold(reservationDecider, [...events, ...again])).toEqual({ holder: 'u1', since: later });
    expect(() =>
      reservationDecider.decide({ type: 'ReserveIdentifier', kind: 'email', userId: 'u2', at }, state),
    ).toThrow(expect.objectContaining({ code: 'email-taken', kind: 'conflict' }) as DomainError);
  });

  it('a take-over releases only the reservation it found left behind, not one its holder has renewed since', () => {
    const first = '2026-01-01T00:00:00.000Z';
    const renewed = '2026-01-01T00:02:00.000Z';
    const held = (since: string) =>
      fold(reservationDecider, [
        { type: 'IdentifierReserved', data: { kind: 'email', userId: 'u1', at: since } },
      ]);
    const takeOver = {
      type: 'ReleaseIdentifier' as const,
      kind: 'email' as const,
      userId: 'u1',
      at,
      heldSince: first,
    };
    expect(reservationDecider.decide(takeOver, held(first))).toEqual([
      { type: 'IdentifierReleased', data: { kind: 'email', userId: 'u1', at } },
    ]);
    expect(reservationDecider.decide(takeOver, held(renewed))).toEqual([]);
    const { heldSince: _any, ...plain } = takeOver;
    expect(reservationDecider.decide(plain, held(renewed))).toHaveLength(1);
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
