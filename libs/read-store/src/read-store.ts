import { type CheckpointStore } from '@app/event-store';

/** A read-model document: keyed by `_id`, recording the aggregate revision it reflects. */
export interface ReadModelDocument {
  readonly _id: string;
  readonly revision: number;
}

export type FieldCondition =
  | string
  | number
  | boolean
  | null
  | { readonly $in: readonly (string | number | boolean)[] }
  | { readonly $ne: string | number | boolean | null }
  | { readonly $exists: boolean }
  | Range;

/** An ordered comparison (strings compare as stored, e.g. ISO-8601 instants): any of lower and upper bounds. */
export interface Range {
  readonly $gt?: string | number;
  readonly $gte?: string | number;
  readonly $lt?: string | number;
  readonly $lte?: string | number;
}

/**
 * The filter language both adapters implement identically: per field (dotted paths allowed) an equality (which on
 * an array field means "contains"), `$in`, `$ne` or `$exists`; plus an optional case-insensitive substring search.
 */
export interface ReadFilter {
  readonly where?: Readonly<Record<string, FieldCondition>>;
  readonly search?: { readonly text: string; readonly fields: readonly string[] };
}

export interface Page<D> {
  readonly items: D[];
  /** Opaque; absent on the last page. */
  readonly nextCursor?: string;
}

/** One write of a batch: a document to upsert, or the deletion of one (a tombstone at `revision`). */
export type DocumentWrite<D extends ReadModelDocument> =
  { readonly upsert: D } | { readonly delete: string; readonly revision: number };

/** `writeMany` where one round trip buys nothing (memory): each write as the single-document call it stands for. */
export async function writeOneByOne<D extends ReadModelDocument>(
  collection: Pick<ReadModelCollection<D>, 'upsertIfNewer' | 'deleteIfNewer'>,
  writes: readonly DocumentWrite<D>[],
): Promise<void> {
  for (const write of writes)
    if ('upsert' in write) await collection.upsertIfNewer(write.upsert);
    else await collection.deleteIfNewer(write.delete, write.revision);
}

export interface ReadModelCollection<D extends ReadModelDocument> {
  get(id: string): Promise<D | null>;
  /** The revision a document was last written or deleted at (a deletion's tombstone counts); null if never written. */
  revisionOf(id: string): Promise<{ readonly revision: number; readonly deleted: boolean } | null>;
  /** Writes `doc` unless the stored revision is equal or newer; atomic against concurrent writers. */
  upsertIfNewer(doc: D): Promise<boolean>;
  /** Deletes, leaving a tombstone at `revision` so a late older upsert cannot bring the document back. */
  deleteIfNewer(id: string, revision: number): Promise<boolean>;
  /**
   * Sets fields on every matching document, whatever its revision: for values owned by another aggregate than the
   * document's (a member's name, which the user's stream owns), written in that aggregate's order. A field set to
   * undefined is removed; a dotted path sets or removes one inside an embedded object, as MongoDB's `$set` does (its
   * parent must be an object or missing).
   */
  updateMany(filter: ReadFilter, set: Readonly<Record<string, unknown>>): Promise<number>;
  /**
   * Many upserts and deletions in one round trip where the store allows it, each guarded by its revision exactly as
   * `upsertIfNewer` and `deleteIfNewer` are (rebuilds and catch-up write their documents in batches this way).
   */
  writeMany(writes: readonly DocumentWrite<D>[]): Promise<void>;
  find(filter: ReadFilter, page: { limit: number; cursor?: string }): Promise<Page<D>>;
  count(filter: ReadFilter): Promise<number>;
}

export interface Rebuild<D extends ReadModelDocument> {
  /** Writes go to a fresh physical collection; readers keep seeing the old one until `swap`. */
  readonly collection: ReadModelCollection<D>;
  swap(): Promise<void>;
  /** Drops the fresh collection, unless a switch-over made it the live one after all (a write that seemed to fail). */
  abort(): Promise<void>;
}

/**
 * A rebuild's switch-over refused because another rebuild (another replica's, say) switched the read models over
 * after this one began: the later switch would put back copies projected before the other's.
 */
export class RebuildSuperseded extends Error {
  constructor() {
    super('another rebuild switched the read models over after this one began');
    this.name = 'RebuildSuperseded';
  }
}

/**
 * Several rebuilds switched over at once: no reader sees some of the collections rebuilt and others not. Refused with
 * `RebuildSuperseded` when another switch-over came between their beginning and this.
 */
export type SwapTogether = (rebuilds: readonly Rebuild<never>[]) => Promise<void>;

/**
 * An index over equality fields, in order (`['orgId', 'role']`); an array field is indexed by each element. Queries
 * whose filter gives every field of an index an equal value use it; the rest scan.
 */
export type IndexFields = readonly string[];

export interface CollectionOptions {
  readonly indexes?: readonly IndexFields[];
}

export interface ReadStore {
  readonly kind: 'mongodb' | 'in-memory';
  /**
   * How long after a rebuild's swap other instances may still write into the collections it retired, through an
   * alias they cached; 0 where there are none.
   */
  readonly switchSettlesAfterMs: number;
  /** `indexes` hold for the collection under this name from then on, rebuilds included. */
  collection<D extends ReadModelDocument>(name: string, options?: CollectionOptions): ReadModelCollection<D>;
  beginRebuild<D extends ReadModelDocument>(name: string): Promise<Rebuild<D>>;
  /** Rebuilds of this store, begun separately, switched over in one step. */
  swapTogether: SwapTogether;
  /**
   * Runs `work` with every collection it touches in the generation it first sees: a swap while it runs (another
   * process's rebuild) does not split its writes between two generations.
   */
  consistently<T>(work: () => Promise<T>): Promise<T>;
  readonly checkpoints: CheckpointStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const TOMBSTONE_FIELD = '_deleted';

export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

export function physicalName(logical: string, generation: number): string {
  return `${logical}__g${generation}`;
}
