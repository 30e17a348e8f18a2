import { type AggregateStore } from '@app/event-store';
import { DomainError, isDomainError } from '@app/domain';
import { userDecider } from '../users/user.decider';
import { userStreamName } from '../users/user.events';
import {
  emailReservationStream,
  legacyPhoneReservationStream,
  phoneReservationStream,
  reservationDecider,
  type ReservationKind,
} from '../users/reservation.decider';

/** A reservation whose holder never registered (the registration crashed midway) is taken over after this long. */
const ABANDONED_AFTER_MS = 60_000;

export function reservationStream(kind: ReservationKind, value: string): string {
  return kind === 'email' ? emailReservationStream(value) : phoneReservationStream(value);
}

/**
 * Uniqueness of e-mail addresses and phone numbers across users (one stream per identifier; the append's expected
 * revision makes two racing reservations end with one winner). Also the lookup from an identifier to its user.
 */
export class IdentifierReservations {
  private readonly aggregate = { decider: reservationDecider };

  constructor(
    private readonly store: AggregateStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async holderOf(kind: ReservationKind, value: string): Promise<string | undefined> {
    const holder = (await this.store.load(reservationStream(kind, value), this.aggregate)).state.holder;
    return holder ?? (await this.legacyHolderOf(kind, value));
  }

  /** A phone reserved before phone streams were hashed: its holder keeps it until they release it. */
  private async legacyHolderOf(kind: ReservationKind, value: string): Promise<string | undefined> {
    if (kind !== 'phone') return undefined;
    return (await this.store.load(legacyPhoneReservationStream(value), this.aggregate)).state.holder;
  }

  /** Throws `<kind>-taken` (conflict) when another user holds it. */
  async reserve(kind: ReservationKind, value: string, userId: string, commandId: string): Promise<void> {
    const reserve = (suffix: string) =>
      this.store.handle(
        reservationStream(kind, value),
        this.aggregate,
        { type: 'ReserveIdentifier', kind, userId, at: this.now().toISOString() },
        { commandId: `${commandId}/reserve-${kind}${suffix}`, actor: userId },
      );
    try {
      const legacyHolder = await this.legacyHolderOf(kind, value);
      if (legacyHolder !== undefined && legacyHolder !== userId)
        throw new DomainError(`${kind}-taken`, 'conflict', `this ${kind} belongs to another account`, {
          field: kind,
        });
      await reserve('');
    } catch (error) {
      if (!isDomainError(error) || error.code !== `${kind}-taken`) throw error;
      const holder = await this.abandonedHolder(kind, value);
      if (!holder) throw error;
      await this.release(kind, value, holder, `${commandId}/takeover`);
      await reserve('/after-takeover');
    }
  }

  async release(kind: ReservationKind, value: string, userId: string, commandId: string): Promise<void> {
    if ((await this.legacyHolderOf(kind, value)) === userId)
      await this.store.handle(
        legacyPhoneReservationStream(value),
        this.aggregate,
        { type: 'ReleaseIdentifier', kind, userId, at: this.now().toISOString() },
        { commandId: `${commandId}/release-legacy-${kind}`, actor: userId },
      );
    await this.store.handle(
      reservationStream(kind, value),
      this.aggregate,
      { type: 'ReleaseIdentifier', kind, userId, at: this.now().toISOString() },
      { commandId: `${commandId}/release-${kind}`, actor: userId },
    );
  }

  /** The holder, when it never became a registered user and has had time enough to do so. */
  private async abandonedHolder(kind: ReservationKind, value: string): Promise<string | undefined> {
    const loaded = await this.store.load(reservationStream(kind, value), {
      decider: {
        initialState: () => ({ holder: undefined as string | undefined, since: 0 }),
        evolve: (s, e: { type: string; data: { userId: string; at: string } }) =>
          e.type === 'IdentifierReserved' ? { holder: e.data.userId, since: Date.parse(e.data.at) } : s,
      },
    });
    const { holder, since } = loaded.state;
    if (!holder || this.now().getTime() - since < ABANDONED_AFTER_MS) return undefined;
    const user = await this.store.load(userStreamName(holder), { decider: userDecider });
    return user.state.status === 'none' ? holder : undefined;
  }
}
