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
  type CollectionOptions,
  type DocumentWrite,
  writeOneByOne,
  type IndexFields,
  type Range,
  type ReadStore,
  type Rebuild,
  RebuildSuperseded,
} from './read-store';

type Stored = Record<string, unknown> & { _id: string; revision: number };

/** A set of ids that also hands them out in order, sorted again only after it changed. */
class OrderedIds {
  private readonly ids = new Set<string>();
  private sorted: string[] | undefined;

  get size(): number {
    return this.ids.size;
  }

  add(id: string): void {
    const size = this.ids.size;
    if (this.ids.add(id).size !== size) this.sorted = undefined;
  }

  delete(id: string): void {
    if (this.ids.delete(id)) this.sorted = undefined;
  }

  inOrder(): readonly string[] {
    return (this.sorted ??= [...this.ids].sort());
  }

  [Symbol.iterator](): Iterator<string> {
    return this.ids.values();
  }
}

const NO_IDS = new OrderedIds();

/** Ids a query can walk: in any order, or sorted. */
interface IdSet extends Iterable<string> {
  readonly size: number;
  inOrder(): readonly string[];
}

/**
 * The ids of several index entries (a list of values asked with `$in`), in order by merging their own sorted lists,
 * which each entry keeps until it changes: no sort per query. `size` counts an id held twice (an array field) twice.
 */
class MergedIds implements IdSet {
  private merged: readonly string[] | undefined;

  constructor(private readonly parts: readonly OrderedIds[]) {}

  get size(): number {
    return this.parts.reduce((sum, part) => sum + part.size, 0);
  }

  inOrder(): readonly string[] {
    return (this.merged ??= this.parts.map((part) => part.inOrder()).reduce(mergeSorted));
  }

  [Symbol.iterator](): Iterator<string> {
    return this.inOrder()[Symbol.iterator]();
  }
}

/** Two ascending lists as one, each id once. */
function mergeSorted(a: readonly string[], b: readonly string[]): readonly string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (out[out.length - 1] !== next) out.push(next);
  }
  return out;
}

/** Every id a table holds (tombstones too: none is ever removed), sorted again only after one was added. */
class StoredIds implements IdSet {
  private sorted: string[] | undefined;

  constructor(private readonly docs: ReadonlyMap<string, unknown>) {}

  get size(): number {
    return this.docs.size;
  }

  added(): void {
    this.sorted = undefined;
  }

  inOrder(): readonly string[] {
    return (this.sorted ??= [...this.docs.keys()].sort());
  }

  [Symbol.iterator](): Iterator<string> {
    return this.docs.keys();
  }
}

/**
 * Equality lookups: the ids of the documents whose fields hold a given combination of values, kept in one map per
 * field nested in the previous field's (keyed by the values themselves, so no key is built or hashed per write).
 * Only strings, numbers and booleans are indexed: a lookup gives every field such a value, so a document holding
 * anything else there (or nothing: a sparse index) could never be one it finds.
 */
class EqualityIndex {
  private readonly root: Level = new Map();
  private readonly paths: readonly FieldPath[];

  constructor(readonly fields: IndexFields) {
    this.paths = fields.map(pathOf);
  }

  /**
   * The ids matching `where`, if it gives every field of this index one value or a list of them (`$in`, read as any
   * of them); undefined otherwise.
   */
  lookup(where: ReadFilter['where']): IdSet | undefined {
    let levels: (Level | OrderedIds)[] = [this.root];
    for (const field of this.fields) {
      const values = indexableValues(where?.[field]);
      if (!values) return undefined;
      levels = levels.flatMap((level) => values.flatMap((value) => (level as Level).get(value) ?? []));
    }
    if (levels.length <= 1) return (levels[0] as OrderedIds | undefined) ?? NO_IDS;
    return new MergedIds(levels as OrderedIds[]);
  }

  /** Keeps the index right for a document replaced by another (either absent): only the entries that changed move. */
  replace(before: Stored | undefined, after: Stored | undefined): void {
    if (before && after && this.sameKeyFields(before, after)) return;
    const old = before ? this.entriesOf(before, false) : [];
    const now = after ? this.entriesOf(after, true) : [];
    for (const ids of old) if (!now.includes(ids)) ids.delete(before!._id);
    for (const ids of now) if (!old.includes(ids)) ids.add(after!._id);
    if (old.some((ids) => ids.size === 0)) this.prune(before!);
  }

  /**
   * Lets go of the entries the document's values led to that hold no id any more: a value nobody has is not kept
   * (an erased address is not left behind as a key).
   */
  private prune(doc: Stored): void {
    const visit = (level: Level, depth: number): void => {
      for (const v of this.valuesAt(doc, depth)) {
        const inner = level.get(v);
        if (!inner) continue;
        if (depth < this.paths.length - 1) visit(inner as Level, depth + 1);
        if (inner.size === 0) level.delete(v);
      }
    };
    visit(this.root, 0);
  }

  private valuesAt(doc: Stored, depth: number): (string | number | boolean)[] {
    const value = valueOn(doc, this.paths[depth]!);
    return Array.isArray(value) ? value.filter(isIndexable) : isIndexable(value) ? [value] : [];
  }

  /** The id sets a document belongs in, made where missing when `make` (else only those that exist). */
  private entriesOf(doc: Stored, make: boolean): OrderedIds[] {
    if (doc[TOMBSTONE_FIELD]) return [];
    let levels: Level[] = [this.root];
    const last = this.paths.length - 1;
    for (let i = 0; i <= last; i++) {
      const values = this.valuesAt(doc, i);
      const next: (Level | OrderedIds)[] = [];
      for (const level of levels)
        for (const v of values) {
          let inner = level.get(v);
          if (!inner && make) level.set(v, (inner = i === last ? new OrderedIds() : new Map()));
          if (inner && !next.includes(inner)) next.push(inner);
        }
      levels = next as Level[];
    }
    return levels as unknown as OrderedIds[];
  }

  /** The indexed fields hold the very same values (a stored document shares what did not change with its successor). */
  private sameKeyFields(before: Stored, after: Stored): boolean {
    if (Boolean(before[TOMBSTONE_FIELD]) !== Boolean(after[TOMBSTONE_FIELD])) return false;
    for (const path of this.paths) if (valueOn(before, path) !== valueOn(after, path)) return false;
    return true;
  }
}

type Level = Map<unknown, Level | OrderedIds>;

/** The values a condition on an indexed field asks for, if the index can find them: one, or a list (`$in`). */
function indexableValues(
  condition: FieldCondition | undefined,
): readonly (string | number | boolean)[] | undefined {
  if (isIndexable(condition)) return [condition];
  if (condition === null || typeof condition !== 'object' || !('$in' in condition)) return undefined;
  return condition.$in.every(isIndexable) ? [...new Set(condition.$in)] : undefined;
}

function isIndexable(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * The store keeps plain data as it is given, frozen in place: a writer hands over a document it no longer changes
 * (a later change fails loudly instead of changing the store). What is frozen already, such as the unchanged parts a
 * document shares with the one it replaces, is kept as it is. Anything but plain objects and arrays is copied first.
 */
function adopted<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = adopted(value[i]);
    return Object.freeze(value);
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return deepFreeze(structuredClone(value));
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const inner = record[key];
    if (inner !== null && typeof inner === 'object' && !Object.isFrozen(inner)) record[key] = adopted(inner);
  }
  return Object.freeze(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Substring search over some fields: for each three-character piece of their lower-cased text, the documents that
 * hold it. A needle's rarest piece narrows a search to a few documents, which are then matched in full.
 */
class TrigramIndex {
  private readonly ids = new Map<string, OrderedIds>();

  constructor(readonly fields: readonly string[]) {}

  lookup(needle: string): OrderedIds | undefined {
    if (needle.length < 3) return undefined;
    let best: OrderedIds | undefined;
    for (const trigram of trigramsOf(needle)) {
      const ids = this.ids.get(trigram) ?? NO_IDS;
      if (!best || ids.size < best.size) best = ids;
    }
    return best;
  }

  replace(before: Stored | undefined, after: Stored | undefined): void {
    const old = before && !before[TOMBSTONE_FIELD] ? searchTextOf(before, this.fields) : '';
    const now = after && !after[TOMBSTONE_FIELD] ? searchTextOf(after, this.fields) : '';
    if (old === now) return;
    const kept = trigramsOf(now);
    for (const trigram of trigramsOf(old)) {
      if (kept.delete(trigram)) continue;
      const ids = this.ids.get(trigram);
      ids?.delete(before!._id);
      // Pieces of a text nobody has any more are not kept: together they would spell it (an erased address).
      if (ids?.size === 0) this.ids.delete(trigram);
    }
    for (const trigram of kept) {
      let ids = this.ids.get(trigram);
      if (!ids) this.ids.set(trigram, (ids = new OrderedIds()));
      ids.add(after!._id);
    }
  }
}

function trigramsOf(text: string): Set<string> {
  const trigrams = new Set<string>();
  for (let i = 0; i + 3 <= text.length; i++) trigrams.add(text.slice(i, i + 3));
  return trigrams;
}

/** One physical collection: its documents and the indexes kept over them. */
class Table {
  readonly docs = new Map<string, Stored>();
  private readonly all = new StoredIds(this.docs);
  private readonly indexes: EqualityIndex[];
  /** Built on a collection's first search over a set of fields, and kept from then on. */
  private readonly searchIndexes = new Map<string, TrigramIndex>();

  constructor(indexes: readonly IndexFields[]) {
    this.indexes = indexes.map((fields) => new EqualityIndex(fields));
  }

  put(doc: Stored): void {
    const current = this.docs.get(doc._id);
    this.docs.set(doc._id, doc);
    if (!current) this.all.added();
    for (const index of this.indexes) index.replace(current, doc);
    for (const index of this.searchIndexes.values()) index.replace(current, doc);
  }

  /** The ids of the documents a filter can match: those it names by `_id`, else the narrowest index it fully names, else all. */
  candidates(filter: ReadFilter): IdSet {
    const named = this.named(filter.where?._id);
    if (named) return named;
    let best: IdSet = this.all;
    for (const index of this.indexes) {
      const ids = index.lookup(filter.where);
      if (ids && ids.size < best.size) best = ids;
    }
    const needle = filter.search?.text.toLowerCase();
    if (needle) {
      const ids = this.searchIndex(filter.search!.fields).lookup(needle);
      if (ids && ids.size < best.size) best = ids;
    }
    return best;
  }

  /** The stored ids among those an `_id` condition names (one id, or `$in`), if it names them. */
  private named(condition: FieldCondition | undefined): OrderedIds | undefined {
    const ids =
      typeof condition === 'string'
        ? [condition]
        : condition !== null && typeof condition === 'object' && '$in' in condition
          ? condition.$in
          : undefined;
    if (!ids) return undefined;
    const found = new OrderedIds();
    for (const id of ids) if (typeof id === 'string' && this.docs.has(id)) found.add(id);
    return found;
  }

  private searchIndex(fields: readonly string[]): TrigramIndex {
    const key = fields.join(FIELD_SEPARATOR);
    let index = this.searchIndexes.get(key);
    if (!index) {
      this.searchIndexes.set(key, (index = new TrigramIndex(fields)));
      for (const doc of this.docs.values()) index.replace(undefined, doc);
    }
    return index;
  }
}

class InMemoryCollection<D extends ReadModelDocument> implements ReadModelCollection<D> {
  constructor(private readonly table: () => Table) {}

  // Documents are stored deep-frozen (see `adopted`) and handed out as they are: reads copy nothing, and a reader that
  // tried to change one would fail loudly instead of changing the store.
  async get(id: string): Promise<D | null> {
    const doc = this.table().docs.get(id);
    return doc && !doc[TOMBSTONE_FIELD] ? (doc as unknown as D) : null;
  }

  async revisionOf(id: string): Promise<{ revision: number; deleted: boolean } | null> {
    const doc = this.table().docs.get(id);
    return doc ? { revision: doc.revision, deleted: doc[TOMBSTONE_FIELD] === true } : null;
  }

  async upsertIfNewer(doc: D): Promise<boolean> {
    const table = this.table();
    const current = table.docs.get(doc._id);
    if (current && current.revision >= doc.revision) return false;
    table.put(adopted(doc as unknown as Stored));
    return true;
  }

  async deleteIfNewer(id: string, revision: number): Promise<boolean> {
    const table = this.table();
    const current = table.docs.get(id);
    if (current && current.revision >= revision) return false;
    table.put(Object.freeze({ _id: id, revision, [TOMBSTONE_FIELD]: true }));
    return true;
  }

  writeMany(writes: readonly DocumentWrite<D>[]): Promise<void> {
    return writeOneByOne(this, writes);
  }

  async updateMany(filter: ReadFilter, set: Readonly<Record<string, unknown>>): Promise<number> {
    const table = this.table();
    const matching = [...this.matching(filter, table.candidates(filter))];
    // Every change made before any is stored: one refused leaves all as they were.
    for (const doc of matching.map((match) => withFieldsSet(match, set))) table.put(adopted(doc));
    return matching.length;
  }

  /**
   * Walks the candidates in id order from the cursor and stops at the first match beyond the page; an `_id` range
   * bounds the walk itself (where it starts and ends), not only what matches.
   */
  async find(filter: ReadFilter, page: { limit: number; cursor?: string }): Promise<Page<D>> {
    const after = decodeCursor(page.cursor);
    const ids = this.table().candidates(filter).inOrder();
    const { start, end } = walkOf(ids, after, filter.where?._id);
    const items: Stored[] = [];
    let more = false;
    for (const doc of this.matching(filter, between(ids, start, end))) {
      if (items.length === page.limit) {
        more = true;
        break;
      }
      items.push(doc);
    }
    const last = items[items.length - 1];
    return {
      items: items as unknown as D[],
      ...(more && last ? { nextCursor: encodeCursor(last._id) } : {}),
    };
  }

  async count(filter: ReadFilter): Promise<number> {
    let count = 0;
    for (const _ of this.matching(filter, this.table().candidates(filter))) count++;
    return count;
  }

  private *matching(filter: ReadFilter, ids: Iterable<string>): Generator<Stored> {
    const docs = this.table().docs;
    for (const id of ids) {
      const doc = docs.get(id)!;
      if (!doc[TOMBSTONE_FIELD] && matches(doc, filter)) yield doc;
    }
  }
}

function* between(ids: readonly string[], start: number, end: number): Generator<string> {
  for (let i = start; i < end; i++) yield ids[i]!;
}

/** Which of the ascending `ids` a page can hold: after the cursor, and within an `_id` range if one is asked. */
function walkOf(
  ids: readonly string[],
  after: string | undefined,
  condition: FieldCondition | undefined,
): { start: number; end: number } {
  let start = after === undefined ? 0 : firstAfter(ids, after);
  let end = ids.length;
  if (isRange(condition)) {
    if (typeof condition.$gte === 'string') start = Math.max(start, firstAtOrAfter(ids, condition.$gte));
    if (typeof condition.$gt === 'string') start = Math.max(start, firstAfter(ids, condition.$gt));
    if (typeof condition.$lte === 'string') end = Math.min(end, firstAfter(ids, condition.$lte));
    if (typeof condition.$lt === 'string') end = Math.min(end, firstAtOrAfter(ids, condition.$lt));
  }
  return { start, end: Math.max(start, end) };
}

function isRange(condition: FieldCondition | undefined): condition is Range {
  return (
    condition !== null &&
    typeof condition === 'object' &&
    ('$gte' in condition || '$gt' in condition || '$lte' in condition || '$lt' in condition)
  );
}

/** The index of the first id greater than `after` in ascending `ids`. */
function firstAfter(ids: readonly string[], after: string): number {
  return firstWhere(ids, (id) => id > after);
}

/** The index of the first id at or after `id` in ascending `ids`. */
function firstAtOrAfter(ids: readonly string[], from: string): number {
  return firstWhere(ids, (id) => id >= from);
}

/** The first index of ascending `ids` where `reached` holds (it holds from there on), found by halving. */
function firstWhere(ids: readonly string[], reached: (id: string) => boolean): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (reached(ids[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A field's name, or the parts of a dotted path. */
type FieldPath = string | readonly string[];

function pathOf(field: string): FieldPath {
  return field.includes('.') ? field.split('.') : field;
}

function valueOn(doc: Record<string, unknown>, path: FieldPath): unknown {
  if (typeof path === 'string') return doc[path];
  let value: unknown = doc;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function valueAt(doc: Record<string, unknown>, field: string): unknown {
  return valueOn(doc, pathOf(field));
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
    if (needle.includes(FIELD_SEPARATOR)) return false;
    return searchTextOf(doc, filter.search.fields).includes(needle);
  }
  return true;
}

const FIELD_SEPARATOR = '\u0000';
const searchTexts = new WeakMap<Stored, Map<string, string>>();

/**
 * The searched fields of a document, lower-cased and joined, computed once per stored document (they are frozen, so
 * it never goes stale): a search walks thousands of documents and would otherwise lower-case each of them each time.
 */
function searchTextOf(doc: Stored, fields: readonly string[]): string {
  const key = fields.join(FIELD_SEPARATOR);
  let texts = searchTexts.get(doc);
  if (!texts) searchTexts.set(doc, (texts = new Map()));
  let text = texts.get(key);
  if (text === undefined) {
    text = fields
      .map((f) => valueAt(doc, f))
      .map((v) => (typeof v === 'string' ? v.toLowerCase() : ''))
      .join(FIELD_SEPARATOR);
    texts.set(key, text);
  }
  return text;
}

/** The embedded default's read models: in memory, rebuilt from the event store at start. */
export class InMemoryReadStore implements ReadStore {
  readonly kind = 'in-memory' as const;
  /** One process, one map of aliases. */
  readonly switchSettlesAfterMs = 0;
  readonly checkpoints = new InMemoryCheckpointStore();
  private readonly physical = new Map<string, Table>();
  private readonly aliases = new Map<string, string>();
  private readonly indexes = new Map<string, readonly IndexFields[]>();
  private generation = 0;
  /** Switch-overs so far: a rebuild begun before the latest one is refused its own. */
  private swaps = 0;
  private readonly rebuildTargets = new WeakMap<
    object,
    { name: string; target: string; swapsAtBegin: number }
  >();

  collection<D extends ReadModelDocument>(
    name: string,
    options: CollectionOptions = {},
  ): ReadModelCollection<D> {
    if (options.indexes && JSON.stringify(options.indexes) !== JSON.stringify(this.indexes.get(name))) {
      this.indexes.set(name, options.indexes);
      const physical = this.aliases.get(name) ?? name;
      const existing = this.physical.get(physical);
      if (existing) {
        const reindexed = new Table(options.indexes);
        for (const doc of existing.docs.values()) reindexed.put(doc);
        this.physical.set(physical, reindexed);
      }
    }
    return new InMemoryCollection<D>(() => this.physicalOf(this.aliases.get(name) ?? name, name));
  }

  async beginRebuild<D extends ReadModelDocument>(name: string): Promise<Rebuild<D>> {
    const target = physicalName(name, ++this.generation);
    this.physical.set(target, new Table(this.indexes.get(name) ?? []));
    const rebuild: Rebuild<D> = {
      collection: new InMemoryCollection<D>(() => this.physicalOf(target, name)),
      swap: () => this.swapTogether([rebuild as Rebuild<never>]),
      abort: async () => {
        if (this.aliases.get(name) !== target) this.physical.delete(target);
      },
    };
    this.rebuildTargets.set(rebuild, { name, target, swapsAtBegin: this.swaps });
    return rebuild;
  }

  /** One thread: the aliases change together, with nothing in between. */
  async swapTogether(rebuilds: readonly Rebuild<never>[]): Promise<void> {
    const targets = rebuilds.map((rebuild) => {
      const target = this.rebuildTargets.get(rebuild);
      if (!target) throw new Error('swapTogether takes rebuilds begun on this store');
      return target;
    });
    if (targets.some(({ swapsAtBegin }) => swapsAtBegin !== this.swaps)) throw new RebuildSuperseded();
    this.swaps++;
    for (const { name, target } of targets) {
      const previous = this.aliases.get(name) ?? name;
      this.aliases.set(name, target);
      if (previous !== target) this.physical.delete(previous);
    }
  }

  /** A swap here is the caller's own, never another process's. */
  consistently<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}

  private physicalOf(physical: string, logical: string): Table {
    let table = this.physical.get(physical);
    if (!table) {
      table = new Table(this.indexes.get(logical) ?? []);
      this.physical.set(physical, table);
    }
    return table;
  }
}

/** `set` applied to `doc`; a field set to undefined is removed. */
function withFieldsSet<T extends object>(doc: T, set: Readonly<Record<string, unknown>>): T {
  const paths = Object.keys(set);
  // As MongoDB refuses them: one path the parent of another in the same update.
  for (const path of paths)
    if (paths.some((other) => other.startsWith(`${path}.`)))
      throw new Error(`updateMany: ${path} and a field inside it, set at once`);
  const next = { ...doc } as Record<string, unknown>;
  for (const [path, value] of Object.entries(set)) {
    // A dotted path sets a field of an embedded object (copied on the way down), as MongoDB's `$set` does: a missing
    // parent is made (not to remove a field), a parent that is no object is refused.
    const fields = path.split('.');
    let holder: Record<string, unknown> | undefined = next;
    for (const field of fields.slice(0, -1)) {
      const inner: unknown = holder[field];
      if (inner === undefined) {
        if (value === undefined) {
          holder = undefined;
          break;
        }
        holder = holder[field] = {};
      } else if (typeof inner === 'object' && inner !== null && !Array.isArray(inner))
        holder = holder[field] = { ...(inner as Record<string, unknown>) };
      else throw new Error(`updateMany: cannot set ${path}: ${field} is not an object`);
    }
    if (!holder) continue;
    const last = fields.at(-1)!;
    if (value === undefined) delete holder[last];
    else holder[last] = value;
  }
  return next as T;
}
