import { gunzipSync, gzipSync } from 'node:zlib';
import { FORWARDS, binaryEvent, jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { readLastEvents } from './read-last-event';
import { SNAPSHOT_EVENT_TYPE, snapshotStreamOf, type SnapshotRecord } from './snapshot-policy';

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
    const snapshots = snapshotStreamOf(streamName);
    // Snapshots are written while commands go on, so the newest manifest may sit behind the chunks of the next one.
    const recent = await readLastEvents(this.client, snapshots, MANIFEST_LOOKBACK);
    const last = recent.find((e) => e.event?.type === SNAPSHOT_EVENT_TYPE);
    if (!last?.event) return undefined;
    const data = last.event.data as unknown as SnapshotRecord | SnapshotManifest;
    if (!('encoding' in data)) return data; // written inline, before snapshots were chunked
    const pieces: Buffer[] = [];
    for await (const chunk of this.client.readStream(snapshots, {
      direction: FORWARDS,
      fromRevision: BigInt(data.firstChunk),
      maxCount: data.chunks,
    })) {
      if (chunk.event?.type === SNAPSHOT_CHUNK_EVENT_TYPE)
        pieces.push(Buffer.from(chunk.event.data as Uint8Array));
    }
    const packed = Buffer.concat(pieces);
    if (pieces.length !== data.chunks || packed.length !== data.bytes) return undefined;
    try {
      return JSON.parse(gunzipSync(packed).toString('utf8')) as SnapshotRecord;
    } catch {
      return undefined; // chunks of two writers interleaved: the stream itself is the fallback
    }
  }

  async write(streamName: string, record: SnapshotRecord): Promise<void> {
    const snapshots = snapshotStreamOf(streamName);
    const packed = gzipSync(JSON.stringify(record));
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
