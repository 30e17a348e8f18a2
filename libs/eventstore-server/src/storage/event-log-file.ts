import { constants, writeSync, writevSync } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { lockDataDir } from './data-dir-lock';
import { decodeFrame, encodeFrameHeader, FRAME_HEADER_BYTES } from './frame-codec';
import { decodeRecord } from './record-codec';
import { type LoggedRecord } from './stored-event';

export class CorruptLogError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(
      `event log ${file} is corrupt at byte offset ${offset}: ${reason}. Refusing to start; restore the file or move it away.`,
    );
    this.name = 'CorruptLogError';
  }
}

const READ_CHUNK = 8 * 1024 * 1024;

/**
 * Room made ahead of the records, zero-filled. An fdatasync of records written into room already made leaves the
 * file's size alone, so the filesystem has no metadata to journal: on this machine's ext4 that makes 1.6-1.7x as
 * many fdatasyncs a second (bench/eventstore-server). Making 1 MiB of room costs about 2 ms, once per few thousand
 * events.
 */
export const ROOM_BYTES = 1024 * 1024;

/**
 * The append-only log file: a frame per group commit (see frame-codec), then zeros (room made for the next ones);
 * logs written before frames start with records one by one, and a first empty frame marks where frames begin.
 * Recovery reads it front to back and stops at the room; a torn tail (a crash mid-write leaves the last frame
 * incomplete or unverifiable, followed by room or by nothing) is truncated; damage anywhere before the tail stops
 * start-up with the file and offset, because silently skipping it would lose acknowledged events.
 */
export class EventLogFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private size: number,
    private readonly fsync: boolean,
    /** Where the room made for records ends: the file's size. */
    private roomEnd: number,
    private readonly unlock: () => Promise<void>,
  ) {}

  static async open(
    dataDir: string,
    fsync: boolean,
    onEvent: (event: LoggedRecord) => void,
  ): Promise<{ log: EventLogFile; truncatedBytes: number }> {
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, 'events.log');
    const unlock = await lockDataDir(dataDir);
    // Not O_APPEND: records are written at their position, inside the room, not after it.
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT).catch(async (error: unknown) => {
      await unlock();
      throw error;
    });
    try {
      const { validEnd, fileSize, tornBytes, framed } = await recover(handle, path, onEvent);
      if (tornBytes > 0) await handle.truncate(validEnd);
      let end = validEnd;
      if (!framed) {
        // Where frames begin: damage after this mark is proven inside acknowledged data by frames alone.
        const mark = encodeFrameHeader([]);
        await handle.write(mark, 0, mark.length, end);
        end += mark.length;
      }
      // What recovery read may be only in the page cache (a crash of this process after a write, before its
      // fdatasync): it is served from now on, so it is made durable first, or a power loss could take it back
      // after readers (the relay) passed it on, and another event would take its revision.
      if (fsync || tornBytes > 0 || !framed) await handle.datasync();
      if (fsync && fileSize === 0) await syncDirectory(dataDir);
      const roomEnd = tornBytes > 0 ? end : Math.max(fileSize, end);
      return {
        log: new EventLogFile(path, handle, end, fsync, roomEnd, unlock),
        truncatedBytes: tornBytes,
      };
    } catch (error) {
      await handle.close();
      await unlock();
      throw error;
    }
  }

  /**
   * Writes the records as one frame after the last one and makes them durable before resolving (one fdatasync per
   * frame), making room first when they do not fit; resolves with the first record's position. The writes are
   * synchronous: into the page cache they take microseconds, while a hop through libuv's thread pool costs a
   * thread's wake-up each way; only the fdatasync, which waits on the disk, goes through the pool.
   */
  async append(records: readonly Buffer[]): Promise<number> {
    const start = this.size;
    const frame = [encodeFrameHeader(records), ...records];
    const total = frame.reduce((n, r) => n + r.length, 0);
    if (start + total > this.roomEnd) this.makeRoom(start + total, start + total + ROOM_BYTES);
    let written = 0;
    while (written < total) written += writevSync(this.handle.fd, sliceFrom(frame, written), start + written);
    if (this.fsync) await this.handle.datasync();
    this.size += total;
    return start + FRAME_HEADER_BYTES;
  }

  /** Zero-fills `from`..`to` (records about to fill the rest); the next fdatasync makes it durable with them. */
  private makeRoom(from: number, to: number): void {
    const zeros = Buffer.alloc(to - from);
    let written = 0;
    while (written < zeros.length)
      written += writeSync(this.handle.fd, zeros, written, zeros.length - written, from + written);
    this.roomEnd = to;
  }

  async close(): Promise<void> {
    await this.handle.close();
    await this.unlock();
  }
}

/** A new file's directory entry is durable only once its directory is synced. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function sliceFrom(records: readonly Buffer[], skip: number): Buffer[] {
  if (skip === 0) return [...records];
  const out: Buffer[] = [];
  for (const r of records) {
    if (skip >= r.length) {
      skip -= r.length;
      continue;
    }
    out.push(skip > 0 ? r.subarray(skip) : r);
    skip = 0;
  }
  return out;
}

async function recover(
  handle: FileHandle,
  path: string,
  onEvent: (event: LoggedRecord) => void,
): Promise<{ validEnd: number; fileSize: number; tornBytes: number; framed: boolean }> {
  const fileSize = (await handle.stat()).size;
  let carry = Buffer.alloc(0);
  let carryPosition = 0;
  let filePosition = 0;
  let framed = false;
  while (filePosition < fileSize) {
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, fileSize - filePosition));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, filePosition);
    filePosition += bytesRead;
    const buf = carry.length
      ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
      : chunk.subarray(0, bytesRead);
    let offset = 0;
    for (;;) {
      let frame = decodeFrame(buf, offset, carryPosition, fileSize);
      // Only the mark is empty: an empty frame after it is a torn header (or bytes that only look like one).
      if (frame.kind === 'frame' && frame.events.length === 0 && framed)
        frame = { kind: 'corrupt', reason: 'an empty frame after the mark' };
      if (frame.kind === 'frame') {
        framed = true;
        frame.events.forEach(onEvent);
        offset = frame.nextOffset;
        continue;
      }
      // Before the first frame: a record of a log written one record at a time.
      const result =
        frame.kind !== 'not-a-frame'
          ? frame
          : framed
            ? { kind: 'corrupt' as const, reason: 'not a frame' }
            : decodeRecord(buf, offset, carryPosition);
      if (result.kind === 'incomplete') break;
      if (result.kind === 'corrupt') {
        const recordStart = carryPosition + offset;
        const tornBytes = await tornTailBytes(handle, path, recordStart, fileSize, result.reason, framed);
        return { validEnd: recordStart, fileSize, tornBytes, framed };
      }
      onEvent(result.event);
      offset = result.nextOffset;
    }
    carry = Buffer.from(buf.subarray(offset));
    carryPosition += offset;
  }
  const tornBytes =
    carryPosition < fileSize
      ? await tornTailBytes(handle, path, carryPosition, fileSize, 'incomplete record', framed)
      : 0;
  return { validEnd: carryPosition, fileSize, tornBytes, framed };
}

/**
 * What follows the last good frame or record: zeros only (room made for frames, or a file extended by a crash before
 * its data was written) is 0 torn bytes. Otherwise a crash mid-append leaves damage only after the last good frame,
 * so the damage is a torn tail when no complete, checksummed frame follows it anywhere (nor, in a log still written
 * record by record, a record); if one does, the damage is inside acknowledged data and we refuse to start. A record
 * after damage in a framed log proves nothing: it may be the surviving part of the torn frame.
 */
async function tornTailBytes(
  handle: FileHandle,
  path: string,
  from: number,
  fileSize: number,
  reason: string,
  framed: boolean,
): Promise<number> {
  const region = Buffer.allocUnsafe(fileSize - from);
  await handle.read(region, 0, region.length, from);
  let end = region.length;
  while (end > 0 && region[end - 1] === 0) end--;
  // One starting in the zeros at the end would have no magic and a length of zero: none does.
  for (let offset = 1; offset < end; offset++) {
    const frame = decodeFrame(region, offset, from);
    // An empty frame is 12 bytes any event's data may hold: in a framed log it proves nothing.
    if (
      (frame.kind === 'frame' && (frame.events.length > 0 || !framed)) ||
      (!framed && decodeRecord(region, offset, from).kind === 'record')
    )
      throw new CorruptLogError(path, from, reason);
  }
  return end;
}
