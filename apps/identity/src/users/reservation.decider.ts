import { createHash } from 'node:crypto';
import { type Decider, DomainError } from '@app/domain';

/**
 * Uniqueness of e-mail and phone across users: one tiny stream per identifier. The handler appends the first
 * reservation with expected revision `no_stream`, so two registrations racing for one address cannot both win;
 * a released identifier is reserved again at the stream's current revision. An invitation is reserved the same way
 * by the new account made from its link (R5: one account per invitation, whatever addresses its racers type).
 */
export type ReservationKind = 'email' | 'phone' | 'invitation';

export type ReservationEvent =
  | { type: 'IdentifierReserved'; data: { kind: ReservationKind; userId: string; at: string } }
  | { type: 'IdentifierReleased'; data: { kind: ReservationKind; userId: string; at: string } };

export type ReservationCommand =
  | { type: 'ReserveIdentifier'; kind: ReservationKind; userId: string; at: string }
  | {
      type: 'ReleaseIdentifier';
      kind: ReservationKind;
      userId: string;
      at: string;
      /** Only the reservation made then (`at` of its IdentifierReserved): a take-over's, of one found left behind. */
      heldSince?: string;
    };

/** `since`: when the holder last reserved it. */
export type ReservationState = { readonly holder?: string; readonly since?: string };

/**
 * Where earlier releases reserved an identifier: `email-<sha256>` and `phone-<sha256>` of the normalised value (a plain
 * hash, which a guess can be tested against), and before that `phone-<E.164>`. Still read, so their holders keep
 * them until they release them; nothing is reserved there any more (IdentifierReservations names streams by a keyed
 * hash).
 */
export function legacyReservationStreams(kind: ReservationKind, value: string): string[] {
  if (kind === 'invitation') return [];
  const hashed = `${kind}-${createHash('sha256').update(value, 'utf8').digest('hex')}`;
  return kind === 'email' ? [hashed] : [hashed, `phone-${value}`];
}

export const reservationDecider: Decider<ReservationState, ReservationCommand, ReservationEvent> = {
  initialState: () => ({}),
  evolve: (state, event) => {
    switch (event.type) {
      case 'IdentifierReserved':
        return { holder: event.data.userId, since: event.data.at };
      case 'IdentifierReleased':
        return state.holder === event.data.userId ? {} : state;
    }
  },
  decide: (command, state) => {
    const { kind, userId, at } = command;
    const data = { kind, userId, at };
    switch (command.type) {
      case 'ReserveIdentifier':
        // Its holder taking it up again is recorded: a reservation found left behind is then left behind no more.
        if (state.holder === command.userId) return [{ type: 'IdentifierReserved', data }];
        if (state.holder !== undefined)
          throw new DomainError(
            `${command.kind}-taken`,
            'conflict',
            `this ${command.kind} belongs to another account`,
            {
              field: command.kind,
            },
          );
        return [{ type: 'IdentifierReserved', data }];
      case 'ReleaseIdentifier':
        return state.holder === command.userId &&
          (command.heldSince === undefined || command.heldSince === state.since)
          ? [{ type: 'IdentifierReleased', data }]
          : [];
    }
  },
};
