import { erasedValue, type AddressSubjects } from '@app/personal-data';
import { type ReadModelCollection } from '@app/read-store';
import { type ErasedAddressDoc } from './documents';

export type AddressKind = 'email' | 'phone';

/**
 * The addresses erased with their user, by their keyed hash (`addr-...`, which spells nothing out) and when. A
 * deleted user's addresses are erased in the read models when the deletion is projected, but organization events
 * travel on another topic: one made before the deletion can be projected after it (a backlog after an outage, another
 * replica), with the address as it was published. Its copies are then erased too, as a replay would give them. A copy
 * made after the erasure is of the address's next holder and is kept.
 */
export class ErasedAddresses {
  constructor(
    private readonly markers: ReadModelCollection<ErasedAddressDoc>,
    private readonly subjects: AddressSubjects,
  ) {}

  /** Recorded before the copies are looked for: a copy written meanwhile then finds the record (`erasedSince`). */
  async record(kind: AddressKind, address: string, at: string): Promise<string> {
    const subject = this.subjects.of(kind, address);
    // The erasure's time orders the records of one address: a later erasure of it (another holder's) replaces one.
    await this.markers.upsertIfNewer({ _id: subject, revision: Date.parse(at), erasedAt: at });
    return subject;
  }

  /** What a copy of `address` made at `madeAt` reads as now: `{ value }` (erased, or left out) if erased since. */
  async erasedSince(
    kind: AddressKind,
    address: string,
    madeAt: string,
  ): Promise<{ value: string | undefined } | undefined> {
    const subject = this.subjects.of(kind, address);
    const marker = await this.markers.get(subject);
    if (!marker || Date.parse(madeAt) > Date.parse(marker.erasedAt)) return undefined;
    return { value: erasedValue(kind, subject) };
  }
}
