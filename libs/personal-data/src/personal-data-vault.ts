import { openValue, parseSealed, sealValue } from './field-cipher';
import { type PersonalDataKeyStore } from './key-store';

export interface OpenedData<T> {
  readonly data: T;
  /** Subjects whose values could not be opened because they were erased. */
  readonly erased: readonly string[];
}

/**
 * Crypto-shredding: personal fields are stored sealed with a key per person; erasing the person destroys the key, and
 * every copy of the sealed values, in the event store or in a backup, reads as erased from then on. What is stored
 * (and hashed into the audit chain) is the sealed form, so erasure changes nothing that was written.
 */
export class PersonalDataVault {
  private readonly cache = new Map<string, { key: Buffer | null; until: number }>();

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
    let opened: Record<string, unknown> | undefined;
    const erased = new Set<string>();
    for (const [field, value] of Object.entries(data)) {
      const sealed = parseSealed(value);
      if (!sealed) continue;
      opened ??= { ...data };
      const key = await this.keyOf(sealed.subject, false);
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

  async erase(subject: string): Promise<void> {
    await this.keys.erase(subject);
    this.cache.set(subject, { key: null, until: Number.POSITIVE_INFINITY });
  }

  private async keyOf(subject: string, create: boolean): Promise<Buffer | null> {
    const cached = this.cache.get(subject);
    if (cached && cached.until > Date.now() && (cached.key || !create)) return cached.key;
    const key = create ? await this.keys.keyFor(subject) : await this.keys.existingKey(subject);
    this.cache.set(subject, { key, until: Date.now() + this.cacheMs });
    return key;
  }
}

export class SubjectErasedError extends Error {
  constructor(readonly subject: string) {
    super(`the personal data of ${subject} was erased: nothing new is stored for them`);
    this.name = 'SubjectErasedError';
  }
}
