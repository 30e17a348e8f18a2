import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '@app/testing';
import { CorruptLogError, EventLogFile, ROOM_BYTES } from './event-log-file';
import { decodeFrame, encodeFrameHeader, FRAME_HEADER_BYTES } from './frame-codec';
import { decodeRecord, encodeRecord } from './record-codec';
import { type LoggedRecord, type NewRecord } from './stored-event';

const record = (revision: number, body = `{"n":${revision}}`): NewRecord => ({
  streamName: 'order-1',
  revision,
  eventId: `00000000-0000-4000-8000-${String(revision).padStart(12, '0')}`,
  type: 'Placed',
  contentType: 'application/json',
  createdTicks: 638_000_000_000_000_000n + BigInt(revision),
  data: Buffer.from(body),
  metadata: Buffer.from('{"actor":"u"}'),
});

/** Opens the log once and appends each group as one frame (one group commit). */
async function writeLog(dir: string, ...groups: NewRecord[][]): Promise<string> {
  const { log } = await EventLogFile.open(dir, false, () => undefined);
  for (const group of groups) await log.append(group.map(encodeRecord));
  await log.close();
  return join(dir, 'events.log');
}

/** A group commit's bytes as the log holds them. */
const frameOf = (group: NewRecord[]): Buffer => {
  const records = group.map(encodeRecord);
  return Buffer.concat([encodeFrameHeader(records), ...records]);
};
/** Where each frame of a new log starts, and where the next one goes: after the mark where frames begin. */
const offsetsOf = (...groups: NewRecord[][]): number[] => {
  const offsets = [FRAME_HEADER_BYTES];
  for (const group of groups) offsets.push(offsets[offsets.length - 1]! + frameOf(group).length);
  return offsets;
};
/** A log written one record at a time, as before frames. */
const legacyLog = (records: NewRecord[]): Buffer => Buffer.concat(records.map(encodeRecord));

/** What a crash mid-append leaves: some of a frame's bytes written where they were going, the room after untouched. */
async function writeAt(file: string, position: number, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'r+');
  await handle.write(bytes, 0, bytes.length, position);
  await handle.close();
}

/** A log of three one-event frames, and where each starts: damage goes in the middle one. */
async function threeFrames(dir: string): Promise<{ groups: NewRecord[][]; file: string; at: number[] }> {
  const groups = [[record(0)], [record(1)], [record(2)]];
  return { groups, file: await writeLog(dir, ...groups), at: offsetsOf(...groups) };
}

async function recover(dir: string): Promise<{ events: LoggedRecord[]; truncatedBytes: number }> {
  const events: LoggedRecord[] = [];
  const { log, truncatedBytes } = await EventLogFile.open(dir, false, (e) => events.push(e));
  await log.close();
  return { events, truncatedBytes };
}

describe('event log records', () => {
  it('round-trips every field, with the byte offset as position', () => {
    const encoded = encodeRecord(record(7));
    const decoded = decodeRecord(Buffer.concat([Buffer.alloc(10), encoded]), 10, 1000);
    expect(decoded.kind).toBe('record');
    if (decoded.kind === 'record') {
      expect(decoded.event).toEqual({ ...record(7), position: 1010 });
      expect(decoded.nextOffset).toBe(10 + encoded.length);
    }
  });

  it('detects a flipped bit by checksum', () => {
    const encoded = encodeRecord(record(1));
    encoded[encoded.length - 3] ^= 0x01;
    expect(decodeRecord(encoded, 0, 0)).toEqual({ kind: 'corrupt', reason: 'checksum mismatch' });
  });

  it('reports an incomplete record as incomplete, not corrupt', () => {
    const encoded = encodeRecord(record(1));
    expect(decodeRecord(encoded.subarray(0, encoded.length - 1), 0, 0)).toEqual({ kind: 'incomplete' });
    expect(decodeRecord(encoded.subarray(0, 5), 0, 0)).toEqual({ kind: 'incomplete' });
  });
});

describe('event log frames', () => {
  it('a frame decodes whole, each record at its byte offset; an empty one is the mark where frames begin', () => {
    const frame = frameOf([record(1), record(2)]);
    const decoded = decodeFrame(Buffer.concat([Buffer.alloc(5), frame]), 5, 100);
    expect(decoded.kind).toBe('frame');
    if (decoded.kind === 'frame') {
      expect(decoded.events.map((e) => [e.revision, e.position])).toEqual([
        [1, 105 + FRAME_HEADER_BYTES],
        [2, 105 + FRAME_HEADER_BYTES + encodeRecord(record(1)).length],
      ]);
      expect(decoded.nextOffset).toBe(5 + frame.length);
    }
    expect(decodeFrame(encodeFrameHeader([]), 0, 0)).toEqual({
      kind: 'frame',
      events: [],
      nextOffset: FRAME_HEADER_BYTES,
    });
    expect(decodeFrame(encodeRecord(record(1)), 0, 0)).toEqual({ kind: 'not-a-frame' });
    expect(decodeFrame(frame.subarray(0, frame.length - 1), 0, 0)).toEqual({ kind: 'incomplete' });
  });

  it('one bad byte anywhere in a frame makes the whole frame corrupt', () => {
    const frame = frameOf([record(1), record(2)]);
    const last = Buffer.from(frame);
    last[last.length - 3] ^= 0x01;
    expect(decodeFrame(last, 0, 0)).toEqual({ kind: 'corrupt', reason: 'frame checksum mismatch' });
  });
});

describe('event log recovery', () => {
  it('recovers every record of a clean log in order, across frames and restarts', async () => {
    await withTempDir('log', async (dir) => {
      await writeLog(dir, [record(0), record(1)], [record(2)]);
      await writeLog(dir, [record(3)]);
      const { events, truncatedBytes } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
      expect(truncatedBytes).toBe(0);
    });
  });

  it('truncates a torn tail (a crash mid-append) with the room after it, and keeps appending after it', async () => {
    await withTempDir('log', async (dir) => {
      const file = await writeLog(dir, [record(0), record(1)]);
      const [, end] = offsetsOf([record(0), record(1)]);
      const torn = frameOf([record(2)]);
      await writeAt(file, end!, torn.subarray(0, torn.length - 7));
      const { events, truncatedBytes } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0, 1]);
      expect(truncatedBytes).toBe(torn.length - 7);
      expect((await stat(file)).size).toBe(end);
      await writeLog(dir, [record(2)]);
      expect((await recover(dir)).events.map((e) => e.revision)).toEqual([0, 1, 2]);
    });
  });

  it('a crash mid-append that kept a later sector of the frame and lost an earlier one is a torn tail, not damage', async () => {
    await withTempDir('log', async (dir) => {
      const file = await writeLog(dir, [record(0)]);
      const [, end] = offsetsOf([record(0)]);
      const group = [record(1), record(2), record(3)];
      const frame = frameOf(group);
      // The header and the first record never reached the disk; the last two records did, intact.
      const kept = FRAME_HEADER_BYTES + encodeRecord(record(1)).length;
      await writeAt(file, end! + kept, frame.subarray(kept));
      const { events, truncatedBytes } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0]);
      expect(truncatedBytes).toBe(frame.length);
      expect((await stat(file)).size).toBe(end);
    });
  });

  it('an append of several events comes back whole or not at all', async () => {
    await withTempDir('log', async (dir) => {
      const file = await writeLog(dir, [record(0)]);
      const [, end] = offsetsOf([record(0)]);
      const frame = frameOf([record(1), record(2), record(3)]);
      // Its first two records reached the disk, its last did not.
      await writeAt(file, end!, frame.subarray(0, frame.length - encodeRecord(record(3)).length));
      expect((await recover(dir)).events.map((e) => e.revision)).toEqual([0]);
    });
  });

  it('truncates a torn tail of a log written before frames, then marks where frames begin', async () => {
    await withTempDir('log', async (dir) => {
      const file = join(dir, 'events.log');
      const whole = encodeRecord(record(1));
      await writeFile(file, Buffer.concat([legacyLog([record(0)]), whole.subarray(0, whole.length - 7)]));
      const { events, truncatedBytes } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0]);
      expect(truncatedBytes).toBe(whole.length - 7);
      const bytes = await readFile(file);
      expect(bytes.length).toBe(legacyLog([record(0)]).length + FRAME_HEADER_BYTES);
      expect(bytes.subarray(legacyLog([record(0)]).length).equals(encodeFrameHeader([]))).toBe(true);
      await writeLog(dir, [record(1)]);
      expect((await recover(dir)).events.map((e) => e.revision)).toEqual([0, 1]);
    });
  });

  it('makes room after the frames and appends into it: the file grows only when the room runs out', async () => {
    await withTempDir('log', async (dir) => {
      const file = await writeLog(dir, [record(0)]);
      const [, end] = offsetsOf([record(0)]);
      const size = (await stat(file)).size;
      expect(size).toBe(end! + ROOM_BYTES);
      expect((await readFile(file)).subarray(end).equals(Buffer.alloc(ROOM_BYTES))).toBe(true);
      await writeLog(dir, [record(1), record(2)]);
      expect((await stat(file)).size).toBe(size);
      const { events, truncatedBytes } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
      expect(truncatedBytes).toBe(0);
    });
  });

  it('an append larger than the room makes room for itself and the next ones', async () => {
    await withTempDir('log', async (dir) => {
      const big = record(1, JSON.stringify({ blob: 'x'.repeat(ROOM_BYTES + 10) }));
      const file = await writeLog(dir, [record(0)], [big, record(2)]);
      expect((await stat(file)).size).toBe(offsetsOf([record(0)], [big, record(2)])[2]! + ROOM_BYTES);
      const { events } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
      expect(events[1]!.data.equals(big.data)).toBe(true);
    });
  });

  it('keeps a zero-filled tail (room, or a file extended before its data was written): nothing torn', async () => {
    await withTempDir('log', async (dir) => {
      const file = join(dir, 'events.log');
      await writeFile(file, Buffer.concat([legacyLog([record(0)]), Buffer.alloc(4096)]));
      const { events, truncatedBytes } = await recover(dir);
      expect(events).toHaveLength(1);
      expect(truncatedBytes).toBe(0);
      expect((await stat(file)).size).toBe(legacyLog([record(0)]).length + 4096);
      await writeLog(dir, [record(1)]);
      expect((await recover(dir)).events.map((e) => e.revision)).toEqual([0, 1]);
    });
  });

  it('refuses to start when a good frame follows zeros (a stretch of the log wiped)', async () => {
    await withTempDir('log', async (dir) => {
      const { groups, file, at } = await threeFrames(dir);
      await writeAt(file, at[1]!, Buffer.alloc(frameOf(groups[1]!).length));
      await expect(recover(dir)).rejects.toThrow(`corrupt at byte offset ${at[1]}`);
    });
  });

  it('refuses to start on a corrupt frame followed by good ones, naming the file and offset', async () => {
    await withTempDir('log', async (dir) => {
      const { file, at } = await threeFrames(dir);
      const bytes = await readFile(file);
      bytes[at[1]! + FRAME_HEADER_BYTES + 20] ^= 0xff;
      await writeFile(file, bytes);
      const failure = await recover(dir).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(CorruptLogError);
      expect((failure as CorruptLogError).offset).toBe(at[1]);
      expect((failure as Error).message).toContain(file);
      expect((failure as Error).message).toContain(`byte offset ${at[1]}`);
      expect((await stat(file)).size).toBe(bytes.length); // nothing was truncated
    });
  });

  it('refuses a corrupted frame length in the middle instead of truncating what follows', async () => {
    await withTempDir('log', async (dir) => {
      const { file, at } = await threeFrames(dir);
      await writeAt(file, at[1]! + 4, Buffer.from([0xff, 0xff, 0x00, 0x00]));
      await expect(recover(dir)).rejects.toThrow(`corrupt at byte offset ${at[1]}`);
    });
  });

  it('a frame length running past the end of the log is damage found at once, not a wait for more bytes', async () => {
    await withTempDir('log', async (dir) => {
      const { file, at } = await threeFrames(dir);
      await writeAt(file, at[1]! + 4, Buffer.from([0xf0, 0xff, 0xff, 0xff]));
      await expect(recover(dir)).rejects.toThrow(
        `corrupt at byte offset ${at[1]}: a frame running past the end of the log`,
      );
    });
  });

  it('an event whose data looks like an empty frame does not turn a torn tail into a refusal to start', async () => {
    await withTempDir('log', async (dir) => {
      const lookalike = { ...record(1), data: encodeFrameHeader([]) };
      const file = await writeLog(dir, [record(0)], [lookalike]);
      const at = offsetsOf([record(0)], [lookalike]);
      // The last frame torn: its final byte never written.
      await writeAt(file, at[2]! - 1, Buffer.from([0]));
      const { events, truncatedBytes } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0]);
      expect(truncatedBytes).toBeGreaterThan(0);
      expect((await stat(file)).size).toBe(at[1]);
    });
  });

  it('in a log written before frames, a good record after a damaged one still refuses start-up', async () => {
    await withTempDir('log', async (dir) => {
      const file = join(dir, 'events.log');
      const bytes = legacyLog([record(0), record(1), record(2)]);
      const secondAt = encodeRecord(record(0)).length;
      bytes[secondAt + 20] ^= 0xff;
      await writeFile(file, bytes);
      await expect(recover(dir)).rejects.toThrow(`corrupt at byte offset ${secondAt}`);
      expect((await stat(file)).size).toBe(bytes.length);
    });
  });
});
