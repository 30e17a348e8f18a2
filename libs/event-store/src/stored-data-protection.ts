import { type DomainEvent } from '@app/domain';
import { type RecordedDomainEvent } from './recorded-event';

/**
 * How event data is kept apart from what readers see: personal fields are sealed before they are stored (and before
 * the audit chain hashes them) and opened when read. `@app/personal-data` implements it with a key per person.
 */
export interface StoredDataProtection {
  /** The event as it is to be stored. */
  seal(streamName: string, event: DomainEvent): Promise<DomainEvent>;
  /** The event as its readers need it: sealed fields opened, or read as erased once their person was erased. */
  open<E extends DomainEvent>(event: E): Promise<E>;
  /** `open` for many events at once, in their order: what they need is fetched together. */
  openAll<E extends DomainEvent>(events: readonly E[]): Promise<E[]>;
  /** A snapshot's state as it is to be stored (snapshots hold what the events held). */
  sealSnapshot(streamName: string, state: unknown): Promise<unknown>;
  openSnapshot(state: unknown): Promise<unknown>;
}

/** Stores data as it is: for stores that hold no personal data, and for tests of other things. */
export const noProtection: StoredDataProtection = {
  seal: (_streamName, event) => Promise.resolve(event),
  open: (event) => Promise.resolve(event),
  openAll: (events) => Promise.resolve([...events]),
  sealSnapshot: (_streamName, state) => Promise.resolve(state),
  openSnapshot: (state) => Promise.resolve(state),
};

export async function openRecorded<E extends DomainEvent>(
  protection: StoredDataProtection,
  recorded: RecordedDomainEvent<E>,
): Promise<RecordedDomainEvent<E>> {
  const event = await protection.open(recorded.event);
  return event === recorded.event ? recorded : { ...recorded, event };
}

export async function openAllRecorded<E extends DomainEvent>(
  protection: StoredDataProtection,
  recorded: readonly RecordedDomainEvent<E>[],
): Promise<RecordedDomainEvent<E>[]> {
  const events = await protection.openAll(recorded.map((r) => r.event));
  return recorded.map((r, i) => (events[i] === r.event ? r : { ...r, event: events[i]! }));
}

/** Nest token of a service's StoredDataProtection (optional: without it data is stored as it is). */
export const STORED_DATA_PROTECTION = Symbol('STORED_DATA_PROTECTION');
