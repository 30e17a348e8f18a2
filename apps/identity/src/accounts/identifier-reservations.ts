import { randomUUID } from 'node:crypto';
import { type AggregateStore } from '@app/event-store';
import { DomainError, isDomainError } from '@app/domain';
import { type PseudonymousIds } from '@app/personal-data';
import { userDecider } from '../users/user.decider';
import { userStreamName } from '../users/user.events';
import {
  legacyReservationStreams,
  reservationDecider,
  type ReservationEvent,
  type ReservationKind,
} from '../users/reservation.decider';

/**
 * A reservation whose holder never registered (the registration crashed midway), or has another address or number
 * now, is taken over after this long.
 */
const ABANDONED_AFTER_MS = 60_000;

interface Held {
  readonly holder?: string;
  readonly since: number;
  /** As recorded (see ReleaseIdentifier.heldSince). */
  readonly at?: string;
}

const heldSince = {
  decider: {
    initialState: (): Held => ({ since: 0 }),
    evolve: (held: Held, e: ReservationEvent): Held =>
      e.type === 'IdentifierReserved'
        ? { holder: e.data.userId, since: Date.parse(e.data.at), at: e.data.at }
        : { since: held.since },
  },
};

/**
 * Uniqueness of e-mail addresses and phone numbers across users (one stream per identifier; the append's expected
 * revision makes two racing reservations end with one winner). Also the lookup from an identifier to its user.
 *
 * The stream is named by a keyed hash of the identifier (under the platform's master key), so neither the event
 * store's stream names nor anyone reading them can tell whether a guessed address or number has an account, before
 * or after its person is erased. Reservations made where earlier releases put them (legacyReservationStreams) are
 * still honoured until released.
 */
export class IdentifierReservations {
  private readonly aggregate = { decider: reservationDecider };

  constructor(
    private readonly store: AggregateStore,
    private readonly ids: PseudonymousIds,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Where a reservation is made now. */
  streamOf(kind: ReservationKind, value: string): string {
    return `${kind}-k-${this.ids.digestOf('identifier-reservation', `${kind}:${value}`)}`;
  }

  async holderOf(kind: ReservationKind, value: string): Promise<string | undefined> {
    return (await this.heldIn(kind, value))?.holder;
  }

  /** Throws what `reserve` would (`<kind>-taken`) when another user holds it, reserving nothing. */
  async refuseTaken(kind: ReservationKind, value: string, userId: string): Promise<void> {
    const holder = await this.holderOf(kind, value);
    if (holder === undefined || holder === userId || (await this.abandonedHolder(kind, value))) return;
    throw taken(kind);
  }

  /**
   * Throws `<kind>-taken` (conflict) when another user holds it. Resolves with when it is held since (the `at` of the
   * reservation in force, which `release` can be limited to).
   */
  async reserve(kind: ReservationKind, value: string, userId: string, commandId: string): Promise<string> {
    const reserve = (suffix: string) =>
      this.store.handle(
        this.streamOf(kind, value),
        this.aggregate,
        { type: 'ReserveIdentifier', kind, userId, at: this.now().toISOString() },
        { commandId: `${commandId}/reserve-${kind}${suffix}`, actor: userId },
      );
    try {
      for (const stream of legacyReservationStreams(kind, value)) {
        const { holder } = await this.heldAt(stream);
        if (holder !== undefined && holder !== userId) throw taken(kind);
      }
      const reserved = await reserve('');
      // Its id was used before (a retry): released meanwhile (a registration undone, then retried under the same key),
      // or held since, perhaps long enough to look left behind. Either way it is reserved again, under an id of its
      // own, which renews it.
      return heldSinceOf(reserved.duplicate ? await reserve(`/again-${randomUUID()}`) : reserved);
    } catch (error) {
      if (!isDomainError(error) || error.code !== `${kind}-taken`) throw error;
      const abandoned = await this.abandonedHolder(kind, value);
      if (!abandoned) throw error;
      // Only the reservation found left behind: one its holder has taken up again since stays, and this one fails.
      await this.release(kind, value, abandoned.holder, `${commandId}/takeover`, abandoned.at);
      return heldSinceOf(await reserve('/after-takeover'));
    }
  }

  /** Releases the identifier wherever this user holds it. */
  async release(
    kind: ReservationKind,
    value: string,
    userId: string,
    commandId: string,
    /** On the keyed stream, only the reservation made then (a take-over's, of what it found left behind). */
    heldSince?: string,
  ): Promise<void> {
    const [hashed, plain] = legacyReservationStreams(kind, value);
    // The command ids of earlier releases on their streams, so a release retried across an upgrade stays one release.
    const legacy: [string | undefined, string][] = [
      [plain, `${commandId}/release-legacy-${kind}`],
      [hashed, `${commandId}/release-${kind}`],
    ];
    for (const [stream, id] of legacy)
      if (stream && (await this.heldAt(stream)).holder === userId)
        // Nothing renews a reservation there (nothing is reserved there any more): released whatever `heldSince`.
        await this.releaseAt(stream, kind, userId, id, undefined);
    const keyed = `${commandId}/release-${kind}-keyed`;
    await this.releaseAt(this.streamOf(kind, value), kind, userId, keyed, heldSince);
  }

  private releaseAt(
    stream: string,
    kind: ReservationKind,
    userId: string,
    commandId: string,
    heldSince: string | undefined,
  ) {
    const at = this.now().toISOString();
    return this.store.handle(
      stream,
      this.aggregate,
      { type: 'ReleaseIdentifier', kind, userId, at, ...(heldSince !== undefined ? { heldSince } : {}) },
      { commandId, actor: userId },
    );
  }

  /** Who holds the identifier and since when: the keyed stream first, then the streams earlier releases used. */
  private async heldIn(kind: ReservationKind, value: string): Promise<Held | undefined> {
    for (const stream of [this.streamOf(kind, value), ...legacyReservationStreams(kind, value)]) {
      const held = await this.heldAt(stream);
      if (held.holder !== undefined) return held;
    }
    return undefined;
  }

  private async heldAt(stream: string): Promise<Held> {
    return (await this.store.load(stream, heldSince)).state;
  }

  /**
   * The holder, when its account is deleted (a deletion frees what the account held; one that a change racing it left
   * behind is free all the same), or, once it has had time enough to take it up, when it never became a registered
   * user or has another address or number now (a move whose release a crash cut short).
   */
  private async abandonedHolder(
    kind: ReservationKind,
    value: string,
  ): Promise<{ holder: string; at?: string } | undefined> {
    const held = await this.heldIn(kind, value);
    if (!held?.holder) return undefined;
    const found = { holder: held.holder, ...(held.at !== undefined ? { at: held.at } : {}) };
    const account = (await this.store.load(userStreamName(held.holder), { decider: userDecider })).state;
    if (account.status === 'deleted') return found;
    if (this.now().getTime() - held.since < ABANDONED_AFTER_MS) return undefined;
    if (account.status === 'none') return found;
    return kind !== 'invitation' && account[kind] !== value ? found : undefined;
  }
}

function heldSinceOf(reserved: { state: { since?: string } }): string {
  return reserved.state.since!;
}

function taken(kind: ReservationKind): DomainError {
  return new DomainError(`${kind}-taken`, 'conflict', `this ${kind} belongs to another account`, {
    field: kind,
  });
}
