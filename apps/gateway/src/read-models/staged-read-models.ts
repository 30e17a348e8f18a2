import {
  InMemoryReadStore,
  type DocumentWrite,
  type Page,
  type ReadFilter,
  type ReadModelCollection,
  type ReadModelDocument,
  writeOneByOne,
} from '@app/read-store';
import { COLLECTIONS, INDEXES, type CollectionName } from './documents';
import { collectionsBy, type ReadModels } from './read-models';

/** Where a pass over the event store projects to, and how what it projected reaches the store. */
export interface ProjectionTarget {
  readonly models: ReadModels;
  /** Starts writing what was projected so far, while projecting goes on. */
  writeBehind(): Promise<void>;
  /** Makes everything projected so far durable in the store. */
  flush(): Promise<void>;
}

/** Straight into the collections, one write at a time: for the in-memory store, where a write is a memory write. */
export function directTarget(models: ReadModels): ProjectionTarget {
  return { models, writeBehind: async () => undefined, flush: async () => undefined };
}

/** The projector never reads these back, so they leave memory once flushed. */
const WRITE_ONLY: ReadonlySet<CollectionName> = new Set([COLLECTIONS.auditEvents]);

/**
 * What a rebuild or a first fill projects, kept in memory and handed to the store's collections in batches: the
 * projector reads and writes at memory speed, each collection gets one bulk write per flush, and a document that many
 * events of a batch change is written once. Reads are answered from memory alone, so the pass must start from the
 * first event and the target have no other writer meanwhile: a rebuild's fresh generation, or a store being filled
 * (empty, or part-written by a fill cut short: every write is guarded by revision, so what is there already stays). Memory holds the
 * current state (members, teams, invitations, role intervals, ...); the audit trail leaves it at each flush.
 */
export class StagedReadModels implements ProjectionTarget {
  readonly models: ReadModels;
  private readonly collections: StagedCollection<never>[] = [];
  /** The batch being written; the next one is taken only once it is done, so batches reach the store in order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(target: ReadModels) {
    const memory = new InMemoryReadStore();
    const byName = collectionsBy((name) => memory.collection(name, { indexes: INDEXES[name] }));
    this.models = collectionsBy((name) => {
      const staged = new StagedCollection<never>(
        byName[keyOf(name)] as ReadModelCollection<never>,
        target[keyOf(name)] as ReadModelCollection<never>,
        WRITE_ONLY.has(name),
      );
      // Organizations go last: an organization's document at a revision says every other write of it was applied.
      if (name === COLLECTIONS.organizations) this.collections.push(staged);
      else this.collections.unshift(staged);
      return staged;
    });
  }

  /** Documents written since the last flush. */
  get pending(): number {
    return this.collections.reduce((sum, c) => sum + c.pending, 0);
  }

  /** Waits for the batch before (one batch in flight at most), then starts writing this one and returns. */
  async writeBehind(): Promise<void> {
    await this.writing;
    const batches = this.collections.map((collection) => collection.take());
    this.writing = (async () => {
      for (const batch of batches) await batch();
    })();
    // A failure is reported to whoever waits next (the next batch, or flush), not as an unhandled rejection.
    this.writing.catch(() => undefined);
  }

  async flush(): Promise<void> {
    await this.writeBehind();
    await this.writing;
  }
}

function keyOf(name: CollectionName): keyof ReadModels {
  const key = (Object.keys(COLLECTIONS) as (keyof typeof COLLECTIONS)[]).find((k) => COLLECTIONS[k] === name);
  return key as keyof ReadModels;
}

/**
 * A document's latest write, and how many `updateMany` calls came before it in this batch. Those calls leave
 * revisions as they were, so a guarded write could not carry their effect: they are sent as they are, in their
 * place between the writes.
 */
interface Queued<D extends ReadModelDocument> {
  readonly write: DocumentWrite<D>;
  readonly after: number;
}

class StagedCollection<D extends ReadModelDocument> implements ReadModelCollection<D> {
  private dirty = new Map<string, Queued<D>>();
  private updates: { filter: ReadFilter; set: Readonly<Record<string, unknown>> }[] = [];

  constructor(
    private readonly memory: ReadModelCollection<D>,
    private readonly target: ReadModelCollection<D>,
    private readonly writeOnly: boolean,
  ) {}

  get pending(): number {
    return this.dirty.size;
  }

  get(id: string): Promise<D | null> {
    return this.memory.get(id);
  }

  revisionOf(id: string): Promise<{ revision: number; deleted: boolean } | null> {
    return this.memory.revisionOf(id);
  }

  find(filter: ReadFilter, page: { limit: number; cursor?: string }): Promise<Page<D>> {
    return this.memory.find(filter, page);
  }

  count(filter: ReadFilter): Promise<number> {
    return this.memory.count(filter);
  }

  async upsertIfNewer(doc: D): Promise<boolean> {
    if (this.writeOnly) {
      const queued = this.dirty.get(doc._id)?.write;
      if (queued && 'upsert' in queued && queued.upsert.revision >= doc.revision) return false;
      this.queue(doc._id, { upsert: structuredClone(doc) });
      return true;
    }
    if (!(await this.memory.upsertIfNewer(doc))) return false;
    this.queue(doc._id, { upsert: (await this.memory.get(doc._id))! });
    return true;
  }

  async deleteIfNewer(id: string, revision: number): Promise<boolean> {
    if (!(await this.memory.deleteIfNewer(id, revision))) return false;
    this.queue(id, { delete: id, revision });
    return true;
  }

  writeMany(writes: readonly DocumentWrite<D>[]): Promise<void> {
    return writeOneByOne(this, writes);
  }

  /**
   * A write-only collection holds nothing to match here: the update is sent to the store as it is, after the writes
   * queued before it (those flushed before are there already), and how many it changes is not known (0).
   */
  async updateMany(filter: ReadFilter, set: Readonly<Record<string, unknown>>): Promise<number> {
    if (this.writeOnly) {
      this.updates.push({ filter, set });
      return 0;
    }
    const changed = await this.memory.updateMany(filter, set);
    if (changed > 0) this.updates.push({ filter, set });
    return changed;
  }

  private queue(id: string, write: DocumentWrite<D>): void {
    this.dirty.delete(id);
    this.dirty.set(id, { write, after: this.updates.length });
  }

  /**
   * Takes what is pending; the answer writes it: in the order it was queued, each `updateMany` between the writes
   * that came before and after it.
   */
  take(): () => Promise<void> {
    const queued = [...this.dirty.values()].sort((a, b) => a.after - b.after);
    const updates = this.updates;
    this.dirty = new Map();
    this.updates = [];
    return () => this.write(queued, updates);
  }

  private async write(
    queued: readonly Queued<D>[],
    updates: readonly { filter: ReadFilter; set: Readonly<Record<string, unknown>> }[],
  ): Promise<void> {
    let next = 0;
    for (let segment = 0; segment <= updates.length; segment++) {
      const writes: DocumentWrite<D>[] = [];
      while (next < queued.length && queued[next]!.after === segment) writes.push(queued[next++]!.write);
      for (let i = 0; i < writes.length; i += BULK_SIZE)
        await this.target.writeMany(writes.slice(i, i + BULK_SIZE));
      const update = updates[segment];
      if (update) await this.target.updateMany(update.filter, update.set);
    }
  }
}

/** Documents per bulk write: large enough to amortise a round trip, small enough for one request. */
const BULK_SIZE = 1_000;
