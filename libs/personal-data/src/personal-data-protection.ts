import { type DomainEvent } from '@app/domain';
import { type StoredDataProtection } from '@app/event-store';
import { SEALED_PREFIX } from './field-cipher';
import { erasedValue, isErasedEmail } from './erased-values';
import { sealedSubjectsIn, type PersonalDataVault } from './personal-data-vault';

/** Which fields of an event are personal, and whose: the subject whose key seals each one. */
export type SealingRule = (
  streamName: string,
  event: DomainEvent,
) => readonly { readonly field: string; readonly subject: string }[];

/**
 * Whose key seals one value of a snapshot (anywhere in it, by its property name), or undefined when it is not
 * personal. Snapshots hold what the events held, so they are sealed too.
 */
export type SnapshotSealingRule = (streamName: string, property: string, value: string) => string | undefined;

export interface SealingRules {
  readonly events?: readonly SealingRule[];
  readonly snapshots?: SnapshotSealingRule;
}

/**
 * The event store's protection by crypto-shredding: the writer's rules say which fields to seal for whom; opening
 * needs no rules, since a sealed value names its subject. A service that only reads passes no rules.
 */
export class PersonalDataProtection implements StoredDataProtection {
  constructor(
    private readonly vault: PersonalDataVault,
    private readonly rules: SealingRules = {},
  ) {}

  async seal(streamName: string, event: DomainEvent): Promise<DomainEvent> {
    let data = event.data as Record<string, unknown>;
    const bySubject = new Map<string, string[]>();
    for (const rule of this.rules.events ?? [])
      for (const { field, subject } of rule(streamName, event)) {
        if (typeof data[field] !== 'string') continue;
        bySubject.set(subject, [...(bySubject.get(subject) ?? []), field]);
      }
    for (const [subject, fields] of bySubject)
      data = await this.vault.seal(await this.liveSubject(subject), data, fields);
    return data === event.data ? event : { ...event, data };
  }

  private liveSubject(subject: string): Promise<string> {
    return isAddressSubject(subject) ? this.vault.liveGeneration(subject) : Promise.resolve(subject);
  }

  async open<E extends DomainEvent>(event: E): Promise<E> {
    const data = event.data as Record<string, unknown>;
    if (!Object.values(data).some(looksSealed)) return event;
    const opened = await this.vault.open(data, erasedValue);
    return { ...event, data: opened.data };
  }

  async openAll<E extends DomainEvent>(events: readonly E[]): Promise<E[]> {
    const subjects = events.flatMap((event) => sealedSubjectsIn(event.data as Record<string, unknown>));
    if (subjects.length === 0) return [...events];
    await this.vault.prefetch(subjects);
    // With the keys in memory, each `open` finds them there (the vault's own fast path).
    const opened: E[] = [];
    for (const event of events) opened.push(await this.open(event));
    return opened;
  }

  async sealSnapshot(streamName: string, state: unknown): Promise<unknown> {
    const rule = this.rules.snapshots;
    if (!rule) return state;
    const subjectsIn = (object: Record<string, unknown>) =>
      Object.entries(object).flatMap(([property, value]) => {
        const subject =
          typeof value === 'string' && !isErasedEmail(value) ? rule(streamName, property, value) : undefined;
        return subject === undefined ? [] : [subject];
      });
    const personalIn = (object: Record<string, unknown>) => subjectsIn(object).length > 0;
    // Their keys fetched several at a time first: an address's live generation and its key are then in memory.
    const prefetch = (personal: Record<string, unknown>[]) =>
      this.vault.prefetch(personal.flatMap(subjectsIn), { rememberMissing: false });
    return mapObjects(
      state,
      personalIn,
      async (object) => {
        let sealed = object;
        for (const [property, value] of Object.entries(object)) {
          if (typeof value !== 'string' || isErasedEmail(value)) continue;
          const subject = rule(streamName, property, value);
          if (!subject) continue;
          const live = await this.liveSubject(subject);
          // A later generation with no key yet: the value is one its first generation sealed, erased since, that a
          // state in memory still held. It is stored as erased, never sealed again under a new key.
          if (live !== subject && !(await this.vault.hasKey(live))) {
            const { [property]: _erased, ...rest } = sealed;
            const replacement = erasedValue(property, subject);
            sealed = replacement === undefined ? rest : { ...rest, [property]: replacement };
          } else sealed = await this.vault.seal(live, sealed, [property]);
        }
        return sealed;
      },
      prefetch,
    );
  }

  async openSnapshot(state: unknown): Promise<unknown> {
    return mapObjects(
      state,
      (object) => Object.values(object).some(looksSealed),
      async (object) => (await this.vault.open(object, erasedValue)).data,
      // Every key a large organization's invitations need, fetched several at a time rather than one per value.
      (sealed) => this.vault.prefetch(sealed.flatMap((object) => sealedSubjectsIn(object))),
    );
  }
}

const looksSealed = (value: unknown): boolean => typeof value === 'string' && value.startsWith(SEALED_PREFIX);

/** Subjects named after an address have generations (PersonalDataVault.liveGeneration); a person's own do not. */
export const isAddressSubject = (subject: string): boolean => subject.startsWith('addr-');

/**
 * Applies `change` to every plain object in a JSON value that `wants` it, innermost first, copying the arrays and
 * objects on the way to one. What holds none is returned as it is, without a turn of the event loop per value: a
 * large organization's snapshot is tens of thousands of values, of which a few invitations are personal.
 */
async function mapObjects(
  value: unknown,
  wants: (object: Record<string, unknown>) => boolean,
  change: (object: Record<string, unknown>) => Promise<Record<string, unknown>>,
  beforeChanges?: (wanted: Record<string, unknown>[]) => Promise<void>,
): Promise<unknown> {
  const marks: Marks = { onPath: new Set(), wanted: new Set() };
  markPaths(value, wants, marks);
  if (marks.wanted.size === 0) return value;
  await beforeChanges?.([...marks.wanted]);
  return rebuild(value, marks, change);
}

/** The objects `wants` chose, and every object or array on the way to one (them included). */
interface Marks {
  readonly onPath: Set<object>;
  readonly wanted: Set<Record<string, unknown>>;
}

/** Marks what `value` holds that is wanted, and the way to it; whether `value` is or holds such. */
function markPaths(
  value: unknown,
  wants: (object: Record<string, unknown>) => boolean,
  marks: Marks,
): boolean {
  if (value === null || typeof value !== 'object') return false;
  let found = false;
  for (const item of Array.isArray(value) ? value : Object.values(value))
    if (markPaths(item, wants, marks)) found = true;
  if (!Array.isArray(value) && wants(value as Record<string, unknown>)) {
    marks.wanted.add(value as Record<string, unknown>);
    found = true;
  }
  if (found) marks.onPath.add(value);
  return found;
}

async function rebuild(
  value: unknown,
  marks: Marks,
  change: (object: Record<string, unknown>) => Promise<Record<string, unknown>>,
): Promise<unknown> {
  if (value === null || typeof value !== 'object' || !marks.onPath.has(value)) return value;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) items.push(await rebuild(item, marks, change));
    return items;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = await rebuild(item, marks, change);
  return marks.wanted.has(value as Record<string, unknown>) ? change(copy) : copy;
}
