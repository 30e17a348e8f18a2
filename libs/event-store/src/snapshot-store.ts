import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import {
  FORWARDS,
  StreamDeletedError,
  StreamNotFoundError,
  binaryEvent,
  jsonEvent,
  type EventStoreDBClient,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { readLastEvents } from './read-last-event';
import { SNAPSHOT_EVENT_TYPE, snapshotStreamOf, type SnapshotRecord } from './snapshot-policy';

/** In the thread pool: a large organization's state takes milliseconds to compress, which commands would wait on. */
const gzipAsync = promisify(gzip);

export const SNAPSHOT_CHUNK_EVENT_TYPE = 'AggregateSnapshotChunk';

/** Well under EventStoreDB's default MaxAppendSize (1 MiB), which bounds every append, snapshots included. */
const CHUNK_BYTES = 512 * 1024;

/** How far back from a snapshot stream's end a reader looks for the newest complete snapshot's manifest. */
const MANIFEST_LOOKBACK = 32;

/** The last event of a snapshot stream: where the snapshot's compressed chunks are. */
interface SnapshotManifest {
  readonly version: number;
  readonly revision: string;
  readonly encoding: 'gzip';
  /** Revision of the first chunk in the snapshot stream, and how many follow it. */
  readonly firstChunk: string;
  readonly chunks: number;
  readonly bytes: number;
}

/**
 * Snapshots as the real event store takes them: gzip-compressed, cut into chunks each appended on its own (a large
 * organization's state is bigger than one append may be), then a small manifest. A reader takes the newest manifest
 * and its chunks; a write cut short leaves no manifest and the previous snapshot (or the full stream) is used. Older
 * snapshots are truncated away once a newer one is complete.
 */
export class SnapshotStore {
  constructor(private readonly client: EventStoreDBClient) {}

  async read(streamName: string): Promise<SnapshotRecord | undefined> {
    // A newer snapshot completed between reading a manifest and its chunks truncates those chunks away: the newer
    // manifest is then there to read. Twice more at most, since snapshots of a busy stream keep coming; and not
    // when the newest manifest is still the one whose chunks were gone.
    let replaced: bigint | undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const found = await this.readNewest(streamName, replaced);
      if (found === undefined || !('replaced' in found)) return found;
      replaced = found.replaced;
    }
    return undefined;
  }

  private async readNewest(
    streamName: string,
    replacedBefore: bigint | undefined,
  ): Promise<SnapshotRecord | undefined | { replaced: bigint }> {
    const snapshots = snapshotStreamOf(streamName);
    // Snapshots are written while commands go on, so the newest manifest may sit behind the chunks of the next one.
    const recent = await readLastEvents(this.client, snapshots, MANIFEST_LOOKBACK);
    const last = recent.find((e) => e.event?.type === SNAPSHOT_EVENT_TYPE);
    if (!last?.event || last.event.revision === replacedBefore) return undefined;
    const data = last.event.data as unknown as SnapshotRecord | SnapshotManifest;
    if (!('encoding' in data)) return data; // written inline, before snapshots were chunked
    const firstChunk = BigInt(data.firstChunk);
    // The chunks sit just before their manifest, so the look-back has usually read them already.
    const pieces =
      chunksAmong(recent, firstChunk, data.chunks) ??
      (await this.readChunks(snapshots, firstChunk, data.chunks));
    if (pieces === 'truncated') return { replaced: last.event.revision };
    const packed = pieces && Buffer.concat(pieces);
    if (!packed || packed.length !== data.bytes) return undefined;
    try {
      return JSON.parse(gunzipSync(packed).toString('utf8')) as SnapshotRecord;
    } catch {
      return undefined; // chunks of two writers interleaved: the stream itself is the fallback
    }
  }

  /** The chunks, 'truncated' when a newer snapshot truncated them away, undefined when others sit among them. */
  private async readChunks(
    snapshots: string,
    firstChunk: bigint,
    count: number,
  ): Promise<Buffer[] | 'truncated' | undefined> {
    const events: ResolvedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(snapshots, {
        direction: FORWARDS,
        fromRevision: firstChunk,
        maxCount: count,
      }))
        events.push(resolved);
    } catch (error) {
      // Deleted since its manifest was read: the stream itself is the fallback.
      if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return undefined;
      throw error;
    }
    // Truncated away, the read starts at the first event kept: past where the chunks began.
    if (events.length === 0 || (events[0]!.event?.revision ?? firstChunk) > firstChunk) return 'truncated';
    return chunksAmong(events, firstChunk, count);
  }

  async write(streamName: string, record: SnapshotRecord): Promise<void> {
    const snapshots = snapshotStreamOf(streamName);
    const packed = await gzipAsync(JSON.stringify(record));
    let firstChunk: bigint | undefined;
    let chunks = 0;
    for (let offset = 0; offset < packed.length; offset += CHUNK_BYTES) {
      const written = await this.client.appendToStream(
        snapshots,
        binaryEvent({ type: SNAPSHOT_CHUNK_EVENT_TYPE, data: packed.subarray(offset, offset + CHUNK_BYTES) }),
      );
      firstChunk ??= written.nextExpectedRevision;
      chunks++;
    }
    const manifest: SnapshotManifest = {
      version: record.version,
      revision: record.revision,
      encoding: 'gzip',
      firstChunk: firstChunk!.toString(),
      chunks,
      bytes: packed.length,
    };
    await this.client.appendToStream(
      snapshots,
      jsonEvent({ type: SNAPSHOT_EVENT_TYPE, data: manifest as unknown as Record<string, unknown> }),
    );
    // A concurrent writer's newer chunks always come after ours, so truncating before ours keeps them.
    await this.client.setStreamMetadata(snapshots, { truncateBefore: Number(firstChunk!) });
  }
}

/** The `count` chunks from revision `first` on, when `events` (newest first) hold every one of them. */
function chunksAmong(events: readonly ResolvedEvent[], first: bigint, count: number): Buffer[] | undefined {
  const byRevision = new Map<bigint, Uint8Array>();
  for (const { event } of events)
    if (event?.type === SNAPSHOT_CHUNK_EVENT_TYPE) byRevision.set(event.revision, event.data as Uint8Array);
  const pieces: Buffer[] = [];
  for (let i = 0n; i < BigInt(count); i++) {
    const data = byRevision.get(first + i);
    if (!data) return undefined;
    pieces.push(Buffer.from(data));
  }
  return pieces;
}
