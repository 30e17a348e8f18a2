import { createHash } from 'node:crypto';
import { type Decider, DomainError } from '@app/domain';

/**
 * Uniqueness of e-mail and phone across users: one tiny stream per identifier. The handler appends the first
 * reservation with expected revision `no_stream`, so two registrations racing for one address cannot both win;
 * a released identifier is reserved again at the stream's current revision.
 */
export type ReservationKind = 'email' | 'phone';

export type ReservationEvent =
  | { type: 'IdentifierReserved'; data: { kind: ReservationKind; userId: string; at: string } }
  | { type: 'IdentifierReleased'; data: { kind: ReservationKind; userId: string; at: string } };

export type ReservationCommand =
  | { type: 'ReserveIdentifier'; kind: ReservationKind; userId: string; at: string }
  | { type: 'ReleaseIdentifier'; kind: ReservationKind; userId: string; at: string };

export type ReservationState = { readonly holder?: string };

/** `email-<sha256(normalized e-mail)>`: the stream name does not spell out the address. */
export function emailReservationStream(normalizedEmail: string): string {
  return `email-${createHash('sha256').update(normalizedEmail, 'utf8').digest('hex')}`;
}

/** `phone-<sha256(E.164)>`, for the same reason. */
export function phoneReservationStream(e164: string): string {
  return `phone-${createHash('sha256').update(e164, 'utf8').digest('hex')}`;
}

/** Before phones were hashed, the stream was named by the number itself; still read, so old holders keep theirs. */
export function legacyPhoneReservationStream(e164: string): string {
  return `phone-${e164}`;
}

export const reservationDecider: Decider<ReservationState, ReservationCommand, ReservationEvent> = {
  initialState: () => ({}),
  evolve: (state, event) => {
    switch (event.type) {
      case 'IdentifierReserved':
        return { holder: event.data.userId };
      case 'IdentifierReleased':
        return state.holder === event.data.userId ? {} : state;
    }
  },
  decide: (command, state) => {
    const data = { kind: command.kind, userId: command.userId, at: command.at };
    switch (command.type) {
      case 'ReserveIdentifier':
        if (state.holder === command.userId) return [];
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
        return state.holder === command.userId ? [{ type: 'IdentifierReleased', data }] : [];
    }
  },
};
