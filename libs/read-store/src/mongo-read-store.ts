import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { type Collection, type Document, type Filter, MongoBulkWriteError, MongoServerError } from 'mongodb';
import { KeyedQueue, type CheckpointStore } from '@app/event-store';
import {
  TOMBSTONE_FIELD,
  decodeCursor,
  encodeCursor,
  physicalName,
  type CollectionOptions,
  type DocumentWrite,
  type FieldCondition,
  type IndexFields,
  type Page,
  type ReadFilter,
  type ReadModelCollection,
  type ReadModelDocument,
  type ReadStore,
  type Rebuild,
  RebuildSuperseded,
} from './read-store';

type Stored = Document & { _id: string; revision: number };
const DUPLICATE_KEY = 11000;
const ALIASES = 'read_model_aliases';
/** The alias record of a swap of several collections at once; one record per logical name trails it. */
const SWAPPED_TOGETHER = '$together';
/**
 * Switch-over n is claimed by inserting the record `$swap#<n>` first: only one insert of an `_id` succeeds, on every
 * MongoDB-protocol server (FerretDB applies two conditional updates of one document at once both).
 */
const SWAP_CLAIM = '$swap#';
const swapClaimId = (n: number): string => `${SWAP_CLAIM}${String(n).padStart(12, '0')}`;
/** Just past every claim's id (`$` follows `#`). */
const SWAP_CLAIM_END = '$swap$';
const ALIAS_TTL_MS = 1_000;

interface AliasRecord {
  _id: string;
  /** A logical name's record: its physical collection (what earlier versions read). */
  physical?: string;
  /** The together record: logical name -> physical collection. */
  physicals?: Record<string, string>;
  /** The together record: the switch-over that wrote it. */
  swaps?: number;
  /** A switch-over's claim: when it was made. */
  at?: string;
}

type Aliases = ReadonlyMap<string, string>;
/** A collection retired by a rebuild stays readable this long (several alias cache lifetimes). */
const RETIRED_COLLECTION_GRACE_MS = 5 * ALIAS_TTL_MS;
/** A rebuild generation older than this that is not live was abandoned (rebuilds finish or abort well within it). */
const ABANDONED_AFTER_MS = 6 * 60 * 60 * 1000;

class MongoCollection<D extends ReadModelDocument> implements ReadModelCollection<D> {
  // MongoDB applies the conditional replace atomically per document; FerretDB v1 does not (it reads, then writes).
  // Serialising guarded writes per document in this process keeps the guard exact there too; across processes,
  // only a real MongoDB gives that guarantee.
  private readonly writes = new KeyedQueue();

  constructor(private readonly collection: () => Promise<Collection<Stored>>) {}

  async get(id: string): Promise<D | null> {
    const doc = await (await this.collection()).findOne({ _id: id, [TOMBSTONE_FIELD]: { $ne: true } });
    return doc as unknown as D | null;
  }

  async revisionOf(id: string): Promise<{ revision: number; deleted: boolean } | null> {
    const doc = await (
      await this.collection()
    ).findOne({ _id: id }, { projection: { revision: 1, [TOMBSTONE_FIELD]: 1 } });
    return doc ? { revision: doc.revision as number, deleted: doc[TOMBSTONE_FIELD] === true } : null;
  }

  /**
   * One conditional replace with upsert: it matches only an older document; when a newer or equal one exists the
   * upsert's insert collides on `_id` (duplicate key), which means "skip". No read-then-write race.
   */
  async upsertIfNewer(doc: D): Promise<boolean> {
    return this.writeIfNewer(doc._id, doc.revision, { ...doc } as unknown as Stored);
  }

  async deleteIfNewer(id: string, revision: number): Promise<boolean> {
    return this.writeIfNewer(id, revision, { _id: id, revision, [TOMBSTONE_FIELD]: true });
  }

  private writeIfNewer(id: string, revision: number, replacement: Stored): Promise<boolean> {
    return this.writes.run(id, () => this.replaceIfOlder(id, revision, replacement));
  }

  private async replaceIfOlder(id: string, revision: number, replacement: Stored): Promise<boolean> {
    try {
      const result = await (
        await this.collection()
      ).replaceOne({ _id: id, revision: { $lt: revision } }, replacement, {
        upsert: true,
      });
      return result.modifiedCount + result.upsertedCount > 0;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  /**
   * Documents not there yet (nearly all of them when a rebuild or a first fill writes) go in with `insertMany`, by
   * far the cheapest write; an id already present falls back to the conditional replace of `upsertIfNewer`, so the
   * higher revision wins either way. It does not queue behind single writes of the same ids, so on FerretDB v1 it is
   * for a collection with one writer: a rebuild's fresh generation, or an empty store being filled.
   */
  async writeMany(writes: readonly DocumentWrite<D>[]): Promise<void> {
    const collection = await this.collection();
    const inserts: Stored[] = [];
    const replaces: Stored[] = [];
    for (const write of writes)
      if ('upsert' in write) inserts.push({ ...write.upsert } as unknown as Stored);
      else replaces.push({ _id: write.delete, revision: write.revision, [TOMBSTONE_FIELD]: true });
    replaces.push(...(await insertAbsent(collection, inserts)));
    for (let i = 0; i < replaces.length; i += REPLACES_PER_BULK)
      await replaceOlder(collection, replaces.slice(i, i + REPLACES_PER_BULK));
  }

  async updateMany(filter: ReadFilter, set: Readonly<Record<string, unknown>>): Promise<number> {
    // A field set to undefined is removed ($unset); either operator is left out when empty.
    const fields = Object.entries(set);
    const toSet = fields.filter(([, value]) => value !== undefined);
    const toUnset = fields.filter(([, value]) => value === undefined).map(([field]) => [field, '']);
    const update = {
      ...(toSet.length > 0 ? { $set: Object.fromEntries(toSet) } : {}),
      ...(toUnset.length > 0 ? { $unset: Object.fromEntries(toUnset) } : {}),
    };
    const result = await (await this.collection()).updateMany(toMongoFilter(filter), update);
    return result.modifiedCount;
  }

  async find(filter: ReadFilter, page: { limit: number; cursor?: string }): Promise<Page<D>> {
    const after = decodeCursor(page.cursor);
    const query = toMongoFilter(filter);
    // After the cursor, and within any ids the filter names itself.
    if (after !== undefined && query._id === undefined) query._id = { $gt: after };
    else if (after !== undefined) query.$and = [...(query.$and ?? []), { _id: { $gt: after } }];
    const docs = await (
      await this.collection()
    )
      .find(query)
      .sort({ _id: 1 })
      .limit(page.limit + 1)
      .toArray();
    const items = docs.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items as unknown as D[],
      ...(docs.length > page.limit && last ? { nextCursor: encodeCursor(last._id) } : {}),
    };
  }

  async count(filter: ReadFilter): Promise<number> {
    return (await this.collection()).countDocuments(toMongoFilter(filter));
  }
}

/**
 * Conditional replaces per bulk. FerretDB v1 slows sharply with the size of a bulk of upserts and stalls from 100 on;
 * MongoDB loses little with bulks this size.
 */
const REPLACES_PER_BULK = 50;

/** Inserts what is absent; answers the documents whose id was already there. */
async function insertAbsent(collection: Collection<Stored>, docs: readonly Stored[]): Promise<Stored[]> {
  const present: Stored[] = [];
  let pending = docs;
  while (pending.length > 0) {
    try {
      await collection.insertMany([...pending], { ordered: false });
      break;
    } catch (error) {
      const failed = duplicateKeyFailures(error);
      for (const index of failed) present.push(pending[index]!);
      const processed = (error as MongoBulkWriteError).result.insertedCount + failed.length;
      // FerretDB v1 stops at the first failure even when unordered: what follows it is sent again.
      pending = processed >= pending.length ? [] : pending.slice(Math.min(...failed) + 1);
    }
  }
  return present;
}

/** One bulk of `upsertIfNewer`'s conditional replaces: an insert colliding on `_id` means a newer one is there. */
async function replaceOlder(collection: Collection<Stored>, docs: readonly Stored[]): Promise<void> {
  let pending = docs.map((doc) => ({
    replaceOne: { filter: { _id: doc._id, revision: { $lt: doc.revision } }, replacement: doc, upsert: true },
  }));
  while (pending.length > 0) {
    try {
      await collection.bulkWrite(pending, { ordered: false });
      return;
    } catch (error) {
      // As above, where a server stopped at the first failure; every replace is guarded, so repeating one is harmless.
      pending = pending.slice(Math.min(...duplicateKeyFailures(error)) + 1);
    }
  }
}

/** The indexes of a bulk's duplicate-key failures; any other failure is thrown on. */
function duplicateKeyFailures(error: unknown): number[] {
  const failures = error instanceof MongoBulkWriteError ? [error.writeErrors].flat() : [];
  if (failures.length === 0 || failures.some((f) => f.code !== DUPLICATE_KEY)) throw error;
  return failures.map((f) => f.index);
}

function toMongoFilter(filter: ReadFilter): Filter<Stored> & Record<string, unknown> {
  const query: Record<string, unknown> = { [TOMBSTONE_FIELD]: { $ne: true } };
  for (const [path, condition] of Object.entries(filter.where ?? {}))
    query[path] = toMongoCondition(condition);
  if (filter.search && filter.search.text !== '') {
    const pattern = filter.search.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    query.$or = filter.search.fields.map((f) => ({ [f]: { $regex: pattern, $options: 'i' } }));
  }
  return query as Filter<Stored> & Record<string, unknown>;
}

function toMongoCondition(condition: FieldCondition): unknown {
  if (condition !== null && typeof condition === 'object') {
    if ('$in' in condition) return { $in: [...condition.$in] };
    if ('$ne' in condition) return { $ne: condition.$ne };
    if ('$exists' in condition) return { $exists: condition.$exists };
    return { ...condition };
  }
  return condition;
}

class MongoCheckpointStore implements CheckpointStore {
  constructor(private readonly connection: Connection) {}

  async load(subscriptionName: string): Promise<string | undefined> {
    const doc = await this.connection
      .collection<{ _id: string; position: string }>('checkpoints')
      .findOne({ _id: subscriptionName });
    return doc?.position;
  }

  async save(subscriptionName: string, position: string): Promise<void> {
    await this.connection
      .collection<{ _id: string; position: string }>('checkpoints')
      .updateOne({ _id: subscriptionName }, { $set: { position } }, { upsert: true });
  }
}

/** Read models in MongoDB (or a MongoDB-protocol server such as FerretDB) through a mongoose connection. */
export class MongoReadStore implements ReadStore {
  readonly kind = 'mongodb' as const;
  /** A cached alias lives this long; one more for a write that resolved it just before the swap and is still going. */
  readonly switchSettlesAfterMs = 2 * ALIAS_TTL_MS;
  readonly checkpoints: CheckpointStore;
  private aliases: { physical: Aliases; until: number } | undefined;
  private readonly pinnedAliases = new AsyncLocalStorage<Aliases>();
  private readonly rebuildTargets = new WeakMap<
    object,
    { name: string; target: string; swapsAtBegin: number }
  >();
  private readonly indexes = new Map<string, readonly IndexFields[]>();
  private readonly indexed = new Map<string, Promise<void>>();

  private constructor(readonly connection: Connection) {
    this.checkpoints = new MongoCheckpointStore(connection);
  }

  static async connect(url: string, dbName?: string): Promise<MongoReadStore> {
    const connection = await mongoose
      .createConnection(url, { serverSelectionTimeoutMS: 10_000, ...(dbName ? { dbName } : {}) })
      .asPromise();
    return new MongoReadStore(connection);
  }

  collection<D extends ReadModelDocument>(
    name: string,
    options: CollectionOptions = {},
  ): ReadModelCollection<D> {
    if (options.indexes) this.indexes.set(name, options.indexes);
    return new MongoCollection<D>(async () => this.indexedCollection(await this.resolve(name), name));
  }

  /** A physical collection, with the logical collection's indexes created on first use (rebuilt ones included). */
  private async indexedCollection(physical: string, logical: string): Promise<Collection<Stored>> {
    const collection = this.connection.collection<Stored>(physical);
    let ready = this.indexed.get(physical);
    if (!ready) {
      const specs = this.indexes.get(logical) ?? [];
      ready = Promise.all(
        specs.map((fields) =>
          collection.createIndex(Object.fromEntries([...fields.map((f) => [f, 1]), ['_id', 1]])),
        ),
      ).then(() => undefined);
      this.indexed.set(physical, ready);
      ready.catch(() => this.indexed.delete(physical));
    }
    await ready;
    return collection;
  }

  async beginRebuild<D extends ReadModelDocument>(name: string): Promise<Rebuild<D>> {
    await this.dropAbandonedGenerations(name);
    const swapsAtBegin = await this.lastSwapClaimed();
    // Two replicas may begin in the same millisecond: the suffix keeps their collections apart.
    const target = `${physicalName(name, Date.now())}_${randomBytes(3).toString('hex')}`;
    const rebuild: Rebuild<D> = {
      collection: new MongoCollection<D>(async () => this.indexedCollection(target, name)),
      swap: () => this.swapTogether([rebuild as Rebuild<never>]),
      abort: async () => {
        // A switch-over whose answer was lost may have been made: what a record names is never dropped. Unsure, the
        // collection stays, and a later rebuild drops it once abandoned.
        const live = await this.currentAliases(true).catch(() => undefined);
        if (!live || [...live.values()].includes(target)) return;
        await this.connection
          .collection(target)
          .drop()
          .catch(() => undefined);
      },
    };
    this.rebuildTargets.set(rebuild, { name, target, swapsAtBegin });
    return rebuild;
  }

  /**
   * One write to one record switches them all (a single document's update is atomic), made only if no other
   * switch-over came since these rebuilds began (another replica's rebuild): the next switch-over's claim is taken
   * first, and only one process can take it. Each name's own record follows for processes of an earlier version
   * during a rolling upgrade; once the together record is written the switch is made, so those are best effort, and
   * a name whose record was not written keeps its previous collection for such readers.
   */
  async swapTogether(rebuilds: readonly Rebuild<never>[]): Promise<void> {
    const targets = rebuilds.map((rebuild) => {
      const target = this.rebuildTargets.get(rebuild);
      if (!target) throw new Error('swapTogether takes rebuilds begun on this store');
      return target;
    });
    const swapsAtBegin = targets[0]?.swapsAtBegin ?? 0;
    if (targets.some((t) => t.swapsAtBegin !== swapsAtBegin)) throw new RebuildSuperseded();
    const before = await this.currentAliases(true);
    const records = this.aliasRecords();
    const claimed = swapsAtBegin + 1;
    try {
      await records.insertOne({ _id: swapClaimId(claimed), at: new Date().toISOString() });
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) throw new RebuildSuperseded();
      throw error;
    }
    try {
      await records.updateOne(
        { _id: SWAPPED_TOGETHER },
        {
          $set: {
            ...Object.fromEntries(targets.map(({ name, target }) => [`physicals.${name}`, target])),
            swaps: claimed,
          },
        },
        { upsert: true },
      );
    } catch (error) {
      // Its answer lost, the write may have been made: then the switch is, and goes on as one.
      const live = await this.currentAliases(true).catch(() => undefined);
      if (!live || targets.some(({ name, target }) => live.get(name) !== target)) throw error;
    }
    const recorded = new Set<string>();
    for (const { name, target } of targets)
      await records
        .updateOne({ _id: name }, { $set: { physical: target } }, { upsert: true })
        .then(() => recorded.add(name))
        .catch(() => undefined);
    const after = new Map(before);
    for (const { name, target } of targets) after.set(name, target);
    this.aliases = { physical: after, until: Date.now() + ALIAS_TTL_MS };
    // Other instances may use the previous collections until their cached aliases expire: dropped after that.
    for (const { name, target } of targets) {
      const previous = before.get(name) ?? name;
      if (previous !== target && recorded.has(name))
        setTimeout(() => {
          void this.connection
            .collection(previous)
            .drop()
            .catch(() => undefined);
        }, RETIRED_COLLECTION_GRACE_MS).unref();
    }
  }

  private aliasRecords(): Collection<AliasRecord> {
    return this.connection.collection<AliasRecord>(ALIASES);
  }

  /** The number of the last switch-over claimed, by this process or another (0: none yet). */
  private async lastSwapClaimed(): Promise<number> {
    const [last] = await this.aliasRecords()
      .find({ _id: { $gte: SWAP_CLAIM, $lt: SWAP_CLAIM_END } })
      .sort({ _id: -1 })
      .limit(1)
      .toArray();
    return last ? Number(last._id.slice(SWAP_CLAIM.length)) : 0;
  }

  async consistently<T>(work: () => Promise<T>): Promise<T> {
    return this.pinnedAliases.run(await this.currentAliases(), work);
  }

  /** Generations a crashed rebuild or process left behind: neither the live one nor within the grace period. */
  private async dropAbandonedGenerations(name: string): Promise<void> {
    const live = await this.resolve(name, true);
    const prefix = `${name}__g`;
    const collections = await this.connection.db!.listCollections({}, { nameOnly: true }).toArray();
    for (const { name: physical } of collections) {
      if (!physical.startsWith(prefix) || physical === live) continue;
      const createdAt = parseInt(physical.slice(prefix.length), 10);
      if (Date.now() - createdAt > ABANDONED_AFTER_MS)
        await this.connection
          .collection(physical)
          .drop()
          .catch(() => undefined);
    }
  }

  async ping(): Promise<void> {
    await this.connection.db!.admin().ping();
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Logical name -> physical collection: as pinned by `consistently`, or cached briefly (no round trip per query). */
  private async resolve(name: string, fresh = false): Promise<string> {
    return (await this.currentAliases(fresh)).get(name) ?? name;
  }

  private async currentAliases(fresh = false): Promise<Aliases> {
    const pinned = fresh ? undefined : this.pinnedAliases.getStore();
    if (pinned) return pinned;
    if (!fresh && this.aliases && this.aliases.until > Date.now()) return this.aliases.physical;
    // Not the switch-over claims: one per rebuild ever made, kept so that no claim number can be taken twice.
    const records = await this.aliasRecords()
      .find({ $or: [{ _id: { $lt: SWAP_CLAIM } }, { _id: { $gte: SWAP_CLAIM_END } }] })
      .toArray();
    const physical = new Map<string, string>();
    const consider = (name: string, candidate: string) => {
      // Of two records for a name (one written by an earlier version), the newer generation is the live one.
      const known = physical.get(name);
      if (!known || generationOf(name, candidate) > generationOf(name, known)) physical.set(name, candidate);
    };
    for (const record of records) {
      if (record._id === SWAPPED_TOGETHER)
        for (const [name, candidate] of Object.entries(record.physicals ?? {})) consider(name, candidate);
      else if (record.physical) consider(record._id, record.physical);
    }
    this.aliases = { physical, until: Date.now() + ALIAS_TTL_MS };
    return physical;
  }
}

/**
 * `members__g1733097600000_3fa2c1` (or, from earlier versions, without the suffix) -> 1733097600000; the logical name
 * itself (never rebuilt) is generation 0.
 */
function generationOf(logical: string, physical: string): number {
  return physical === logical ? 0 : parseInt(physical.slice(`${logical}__g`.length), 10) || 0;
}
