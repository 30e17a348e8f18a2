import { SEALED_PREFIX, openValue, parseSealed, sealValue } from './field-cipher';
import { type PersonalDataKeyStore } from './key-store';

export interface OpenedData<T> {
  readonly data: T;
  /** Subjects whose values could not be opened because they were erased. */
  readonly erased: readonly string[];
}

/** Key lookups in flight at once when many are needed (a rebuild, a batch of a follower). */
const PREFETCH_CONCURRENCY = 16;

/**
 * Crypto-shredding: personal fields are stored sealed with a key per person; erasing the person destroys the key, and
 * every copy of the sealed values, in the event store or in a backup, reads as erased from then on. What is stored
 * (and hashed into the audit chain) is the sealed form, so erasure changes nothing that was written.
 */
export class PersonalDataVault {
  private readonly cache = new Map<string, { key: Buffer | null; until: number }>();
  /** Subjects this process erased: never opened again here, whatever a lookup in flight brings back. */
  private readonly erased = new Set<string>();

  /** `cacheMs`: how long a key is kept in memory; another process may still open an erased person's values that long. */
  constructor(
    private readonly keys: PersonalDataKeyStore,
    private readonly cacheMs = 30_000,
  ) {}

  /** `data` with each named field that holds a string sealed for `subject`; the rest as it was. */
  async seal<T extends Readonly<Record<string, unknown>>>(
    subject: string,
    data: T,
    fields: readonly string[],
  ): Promise<T> {
    const present = fields.filter((field) => typeof data[field] === 'string' && !parseSealed(data[field]));
    if (present.length === 0) return data;
    const key = await this.keyOf(subject, true);
    if (!key) throw new SubjectErasedError(subject);
    const sealed: Record<string, unknown> = { ...data };
    for (const field of present) sealed[field] = sealValue(key, subject, data[field] as string);
    return sealed as T;
  }

  /**
   * Opens every sealed top-level field; one whose person was erased becomes `erasedValue(field, subject)`, or is left
   * out when that is undefined.
   */
  async open<T extends Readonly<Record<string, unknown>>>(
    data: T,
    erasedValue: (field: string, subject: string) => unknown,
  ): Promise<OpenedData<T>> {
    const opened = this.openFromMemory(data, erasedValue);
    if (opened) return opened;
    const subjects = sealedSubjectsIn(data);
    for (const subject of subjects) await this.keyOf(subject, false);
    return this.openWith(data, erasedValue, (subject) => this.cache.get(subject)?.key ?? null);
  }

  /** `open` without waiting, when every key it needs is in memory (after `prefetch`); undefined otherwise. */
  openFromMemory<T extends Readonly<Record<string, unknown>>>(
    data: T,
    erasedValue: (field: string, subject: string) => unknown,
  ): OpenedData<T> | undefined {
    for (const subject of sealedSubjectsIn(data)) if (this.cachedKey(subject) === undefined) return undefined;
    return this.openWith(data, erasedValue, (subject) => this.cachedKey(subject) ?? null);
  }

  private openWith<T extends Readonly<Record<string, unknown>>>(
    data: T,
    erasedValue: (field: string, subject: string) => unknown,
    keyOf: (subject: string) => Buffer | null,
  ): OpenedData<T> {
    let opened: Record<string, unknown> | undefined;
    const erased = new Set<string>();
    for (const [field, value] of Object.entries(data)) {
      const sealed = parseSealed(value);
      if (!sealed) continue;
      opened ??= { ...data };
      const key = keyOf(sealed.subject);
      if (key) opened[field] = openValue(key, sealed);
      else {
        const replacement = erasedValue(field, sealed.subject);
        if (replacement === undefined) delete opened[field];
        else opened[field] = replacement;
        erased.add(sealed.subject);
      }
    }
    return { data: (opened ?? data) as T, erased: [...erased] };
  }

  /**
   * Fetches the keys of these subjects that are not in memory, several at a time, so opening them waits for none.
   * `rememberMissing: false` keeps no note of a subject without a key: a writer about to make one (or another
   * replica making it meanwhile) must not have its values read as erased here for the cache's time.
   */
  async prefetch(subjects: Iterable<string>, { rememberMissing = true } = {}): Promise<void> {
    const missing = [...new Set(subjects)].filter((subject) => this.cachedKey(subject) === undefined);
    let next = 0;
    const fetchNext = async (): Promise<void> => {
      while (next < missing.length) await this.keyOf(missing[next++]!, false, rememberMissing);
    };
    await Promise.all(Array.from({ length: Math.min(PREFETCH_CONCURRENCY, missing.length) }, fetchNext));
  }

  async isErased(subject: string): Promise<boolean> {
    if (this.erased.has(subject)) return true;
    const cached = this.cache.get(subject);
    if (cached && cached.until > Date.now() && cached.key) return false;
    return this.keys.isErased(subject);
  }

  /** Whether a key exists (and is not erased) for the subject now. */
  async hasKey(subject: string): Promise<boolean> {
    return (this.cachedKey(subject) ?? (await this.keyOf(subject, false))) !== null;
  }

  /**
   * An address keeps being reachable after it was erased (the person may be invited again), under a new key: its
   * generations are `<subject>`, `<subject>-g2`, ... and the live one is the first not erased.
   */
  async liveGeneration(subject: string): Promise<string> {
    return generationOf(subject, (await this.erasedGenerations(subject)).length + 1);
  }

  /** The generations of a subject's key erased so far, oldest first. */
  async erasedGenerations(subject: string): Promise<string[]> {
    const erased: string[] = [];
    for (let generation = 1; ; generation++) {
      const candidate = generationOf(subject, generation);
      if (!(await this.isErased(candidate))) return erased;
      erased.push(candidate);
    }
  }

  async erase(subject: string): Promise<void> {
    this.erased.add(subject);
    this.cache.set(subject, { key: null, until: Number.POSITIVE_INFINITY });
    await this.keys.erase(subject);
  }

  /** A key (or an erasure) still held in memory; undefined when it has to be looked up. */
  private cachedKey(subject: string): Buffer | null | undefined {
    const cached = this.cache.get(subject);
    return cached && cached.until > Date.now() ? cached.key : undefined;
  }

  private async keyOf(subject: string, create: boolean, rememberMissing = true): Promise<Buffer | null> {
    const cached = this.cache.get(subject);
    if (cached && cached.until > Date.now() && (cached.key || !create)) return cached.key;
    const key = create ? await this.keys.keyFor(subject) : await this.keys.existingKey(subject);
    // An erasure here while the key was being looked up wins: the key read before it is not kept.
    if (this.erased.has(subject)) return null;
    if (key || rememberMissing) this.cache.set(subject, { key, until: Date.now() + this.cacheMs });
    return key;
  }
}

function generationOf(subject: string, generation: number): string {
  return generation === 1 ? subject : `${subject}-g${generation}`;
}

export class SubjectErasedError extends Error {
  constructor(readonly subject: string) {
    super(`the personal data of ${subject} was erased: nothing new is stored for them`);
    this.name = 'SubjectErasedError';
  }
}

/** The subjects whose keys open the sealed top-level fields of `data`. */
export function sealedSubjectsIn(data: Readonly<Record<string, unknown>>): string[] {
  const subjects: string[] = [];
  for (const value of Object.values(data))
    if (typeof value === 'string' && value.startsWith(SEALED_PREFIX)) {
      const end = value.indexOf('.', SEALED_PREFIX.length);
      if (end > 0) subjects.push(value.slice(SEALED_PREFIX.length, end));
    }
  return subjects;
}
