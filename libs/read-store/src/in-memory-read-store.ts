import { InMemoryCheckpointStore } from '@app/event-store';
import {
  TOMBSTONE_FIELD,
  decodeCursor,
  encodeCursor,
  physicalName,
  type FieldCondition,
  type Page,
  type ReadFilter,
  type ReadModelCollection,
  type ReadModelDocument,
  type Range,
  type ReadStore,
  type Rebuild,
} from './read-store';

type Stored = Record<string, unknown> & { _id: string; revision: number };

class InMemoryCollection<D extends ReadModelDocument> implements ReadModelCollection<D> {
  constructor(private readonly docs: () => Map<string, Stored>) {}

  async get(id: string): Promise<D | null> {
    const doc = this.docs().get(id);
    return doc && !doc[TOMBSTONE_FIELD] ? (structuredClone(doc) as unknown as D) : null;
  }

  async upsertIfNewer(doc: D): Promise<boolean> {
    const docs = this.docs();
    const current = docs.get(doc._id);
    if (current && current.revision >= doc.revision) return false;
    docs.set(doc._id, structuredClone(doc) as unknown as Stored);
    return true;
  }

  async deleteIfNewer(id: string, revision: number): Promise<boolean> {
    const docs = this.docs();
    const current = docs.get(id);
    if (current && current.revision >= revision) return false;
    docs.set(id, { _id: id, revision, [TOMBSTONE_FIELD]: true });
    return true;
  }

  async updateMany(filter: ReadFilter, set: Readonly<Record<string, unknown>>): Promise<number> {
    const matching = this.matching(filter);
    for (const doc of matching) Object.assign(doc, structuredClone(set));
    return matching.length;
  }

  async find(filter: ReadFilter, page: { limit: number; cursor?: string }): Promise<Page<D>> {
    const after = decodeCursor(page.cursor);
    const matching = this.matching(filter)
      .filter((d) => after === undefined || d._id > after)
      .slice(0, page.limit + 1);
    const items = matching.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((d) => structuredClone(d) as unknown as D),
      ...(matching.length > page.limit && last ? { nextCursor: encodeCursor(last._id) } : {}),
    };
  }

  async count(filter: ReadFilter): Promise<number> {
    return this.matching(filter).length;
  }

  private matching(filter: ReadFilter): Stored[] {
    return [...this.docs().values()]
      .filter((d) => !d[TOMBSTONE_FIELD] && matches(d, filter))
      .sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  }
}

function valueAt(doc: Record<string, unknown>, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function equalsOrContains(value: unknown, expected: unknown): boolean {
  return Array.isArray(value) ? value.includes(expected) : value === expected;
}

function satisfies(value: unknown, condition: FieldCondition): boolean {
  if (condition !== null && typeof condition === 'object') {
    if ('$in' in condition) return condition.$in.some((c) => equalsOrContains(value, c));
    if ('$ne' in condition) return !equalsOrContains(value === undefined ? null : value, condition.$ne);
    if ('$exists' in condition) return (value !== undefined) === condition.$exists;
    return inRange(value, condition);
  }
  if (condition === null) return value === null || value === undefined;
  return equalsOrContains(value, condition);
}

function inRange(value: unknown, range: Range): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  if (range.$gt !== undefined && !(value > range.$gt)) return false;
  if (range.$gte !== undefined && !(value >= range.$gte)) return false;
  if (range.$lt !== undefined && !(value < range.$lt)) return false;
  if (range.$lte !== undefined && !(value <= range.$lte)) return false;
  return true;
}

function matches(doc: Stored, filter: ReadFilter): boolean {
  for (const [path, condition] of Object.entries(filter.where ?? {})) {
    if (!satisfies(valueAt(doc, path), condition)) return false;
  }
  if (filter.search && filter.search.text !== '') {
    const needle = filter.search.text.toLowerCase();
    return filter.search.fields.some((f) => {
      const v = valueAt(doc, f);
      return typeof v === 'string' && v.toLowerCase().includes(needle);
    });
  }
  return true;
}

/** The embedded default's read models: in memory, rebuilt from the event store at start. */
export class InMemoryReadStore implements ReadStore {
  readonly kind = 'in-memory' as const;
  readonly checkpoints = new InMemoryCheckpointStore();
  private readonly physical = new Map<string, Map<string, Stored>>();
  private readonly aliases = new Map<string, string>();
  private generation = 0;

  collection<D extends ReadModelDocument>(name: string): ReadModelCollection<D> {
    return new InMemoryCollection<D>(() => this.physicalOf(this.aliases.get(name) ?? name));
  }

  async beginRebuild<D extends ReadModelDocument>(name: string): Promise<Rebuild<D>> {
    const target = physicalName(name, ++this.generation);
    this.physical.set(target, new Map());
    return {
      collection: new InMemoryCollection<D>(() => this.physicalOf(target)),
      swap: async () => {
        const previous = this.aliases.get(name) ?? name;
        this.aliases.set(name, target);
        if (previous !== target) this.physical.delete(previous);
      },
      abort: async () => void this.physical.delete(target),
    };
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}

  private physicalOf(name: string): Map<string, Stored> {
    let docs = this.physical.get(name);
    if (!docs) {
      docs = new Map();
      this.physical.set(name, docs);
    }
    return docs;
  }
}
