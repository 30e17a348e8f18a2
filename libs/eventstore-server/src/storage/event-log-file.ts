import { writevSync } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeRecord } from './record-codec';
import { type StoredEvent } from './stored-event';

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
 * The append-only log file. Recovery reads it front to back: a torn tail (a crash mid-write leaves an incomplete or
 * unverifiable last record) is truncated; damage anywhere before the tail stops start-up with the file and offset,
 * because silently skipping it would lose acknowledged events.
 */
export class EventLogFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private size: number,
    private readonly fsync: boolean,
  ) {}

  static async open(
    dataDir: string,
    fsync: boolean,
    onEvent: (event: StoredEvent) => void,
  ): Promise<{ log: EventLogFile; truncatedBytes: number }> {
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, 'events.log');
    const handle = await open(path, 'a+');
    try {
      const { validEnd, fileSize } = await recover(handle, path, onEvent);
      if (validEnd < fileSize) {
        await handle.truncate(validEnd);
        await handle.datasync();
      }
      return { log: new EventLogFile(path, handle, validEnd, fsync), truncatedBytes: fileSize - validEnd };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get end(): number {
    return this.size;
  }

  /**
   * Writes the records contiguously at the end and makes them durable before resolving (one fdatasync per batch).
   * The write itself is synchronous: into the page cache it takes microseconds, while a hop through libuv's thread
   * pool costs a thread's wake-up each way; only the fdatasync, which waits on the disk, goes through the pool.
   */
  async append(records: readonly Buffer[]): Promise<number> {
    const start = this.size;
    let written = 0;
    const total = records.reduce((n, r) => n + r.length, 0);
    while (written < total) written += writevSync(this.handle.fd, sliceFrom(records, written));
    if (this.fsync) await this.handle.datasync();
    this.size += total;
    return start;
  }

  close(): Promise<void> {
    return this.handle.close();
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
  onEvent: (event: StoredEvent) => void,
): Promise<{ validEnd: number; fileSize: number }> {
  const fileSize = (await handle.stat()).size;
  let carry = Buffer.alloc(0);
  let carryPosition = 0;
  let filePosition = 0;
  while (filePosition < fileSize) {
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, fileSize - filePosition));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, filePosition);
    filePosition += bytesRead;
    const buf = carry.length
      ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
      : chunk.subarray(0, bytesRead);
    let offset = 0;
    for (;;) {
      const result = decodeRecord(buf, offset, carryPosition);
      if (result.kind === 'incomplete') break;
      if (result.kind === 'corrupt') {
        const recordStart = carryPosition + offset;
        await assertTornTail(handle, path, recordStart, fileSize, result.reason);
        return { validEnd: recordStart, fileSize };
      }
      onEvent(result.event);
      offset = result.nextOffset;
    }
    carry = Buffer.from(buf.subarray(offset));
    carryPosition += offset;
  }
  if (carryPosition < fileSize)
    await assertTornTail(handle, path, carryPosition, fileSize, 'incomplete record');
  return { validEnd: carryPosition, fileSize };
}

/**
 * A crash mid-append leaves damage only after the last good record. So damage is a torn tail when no complete,
 * checksummed record follows it anywhere; if one does, the damage is inside acknowledged data and we refuse to start.
 */
async function assertTornTail(
  handle: FileHandle,
  path: string,
  from: number,
  fileSize: number,
  reason: string,
): Promise<void> {
  const region = Buffer.allocUnsafe(fileSize - from);
  await handle.read(region, 0, region.length, from);
  for (let offset = 1; offset < region.length; offset++) {
    if (decodeRecord(region, offset, from).kind === 'record') throw new CorruptLogError(path, from, reason);
  }
}
