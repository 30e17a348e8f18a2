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
