import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '@app/testing';
import { CorruptLogError, EventLogFile, ROOM_BYTES } from './event-log-file';
import { decodeRecord, encodeRecord } from './record-codec';
import { type NewRecord, type StoredEvent } from './stored-event';

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

async function writeLog(dir: string, records: NewRecord[]): Promise<string> {
  const { log } = await EventLogFile.open(dir, false, () => undefined);
  await log.append(records.map(encodeRecord));
  await log.close();
  return join(dir, 'events.log');
}

/** Where the next record goes: after the records, inside the zeros of the room made for them. */
const endOf = (records: NewRecord[]): number => records.reduce((n, r) => n + encodeRecord(r).length, 0);

/** What a crash mid-append leaves: part of a record written where it was going, the room after it untouched. */
async function writeAt(file: string, position: number, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'r+');
  await handle.write(bytes, 0, bytes.length, position);
  await handle.close();
}

async function recover(dir: string): Promise<{ events: StoredEvent[]; truncatedBytes: number }> {
  const events: StoredEvent[] = [];
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

describe('event log recovery', () => {
  it('recovers every record of a clean log in order', async () => {
    await withTempDir('log', async (dir) => {
      await writeLog(dir, [record(0), record(1), record(2)]);
      const { events, truncatedBytes } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
      expect(truncatedBytes).toBe(0);
    });
  });

  it('truncates a torn tail (a crash mid-append) with the room after it, and keeps appending after it', async () => {
    await withTempDir('log', async (dir) => {
      const file = await writeLog(dir, [record(0), record(1)]);
      const end = endOf([record(0), record(1)]);
      const whole = encodeRecord(record(2));
      await writeAt(file, end, whole.subarray(0, whole.length - 7));
      const { events, truncatedBytes } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0, 1]);
      expect(truncatedBytes).toBe(whole.length - 7);
      expect((await stat(file)).size).toBe(end);
      await writeLog(dir, [record(2)]);
      expect((await recover(dir)).events.map((e) => e.revision)).toEqual([0, 1, 2]);
    });
  });

  it('truncates a torn tail of a log without room (written before room was made)', async () => {
    await withTempDir('log', async (dir) => {
      const file = join(dir, 'events.log');
      const whole = encodeRecord(record(1));
      await writeFile(file, Buffer.concat([encodeRecord(record(0)), whole.subarray(0, whole.length - 7)]));
      const { events, truncatedBytes } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0]);
      expect(truncatedBytes).toBe(whole.length - 7);
      expect((await stat(file)).size).toBe(endOf([record(0)]));
    });
  });

  it('makes room after the records and appends into it: the file grows only when the room runs out', async () => {
    await withTempDir('log', async (dir) => {
      const file = await writeLog(dir, [record(0)]);
      const size = (await stat(file)).size;
      expect(size).toBe(endOf([record(0)]) + ROOM_BYTES);
      expect((await readFile(file)).subarray(endOf([record(0)])).equals(Buffer.alloc(ROOM_BYTES))).toBe(true);
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
      const file = await writeLog(dir, [record(0)]);
      await writeLog(dir, [big, record(2)]);
      expect((await stat(file)).size).toBe(endOf([record(0), big, record(2)]) + ROOM_BYTES);
      const { events } = await recover(dir);
      expect(events.map((e) => e.revision)).toEqual([0, 1, 2]);
      expect(events[1]!.data.equals(big.data)).toBe(true);
    });
  });

  it('keeps a zero-filled tail (room, or a file extended before its data was written): nothing torn', async () => {
    await withTempDir('log', async (dir) => {
      const file = join(dir, 'events.log');
      await writeFile(file, Buffer.concat([encodeRecord(record(0)), Buffer.alloc(4096)]));
      const { events, truncatedBytes } = await recover(dir);
      expect(events).toHaveLength(1);
      expect(truncatedBytes).toBe(0);
      expect((await stat(file)).size).toBe(endOf([record(0)]) + 4096);
      await writeLog(dir, [record(1)]);
      expect((await recover(dir)).events.map((e) => e.revision)).toEqual([0, 1]);
    });
  });

  it('refuses to start when a good record follows zeros (a stretch of the log wiped)', async () => {
    await withTempDir('log', async (dir) => {
      const file = await writeLog(dir, [record(0), record(1), record(2)]);
      const secondAt = endOf([record(0)]);
      await writeAt(file, secondAt, Buffer.alloc(encodeRecord(record(1)).length));
      await expect(recover(dir)).rejects.toThrow(`corrupt at byte offset ${secondAt}`);
    });
  });

  it('refuses to start on a corrupt record followed by good ones, naming the file and offset', async () => {
    await withTempDir('log', async (dir) => {
      const file = await writeLog(dir, [record(0), record(1), record(2)]);
      const secondAt = encodeRecord(record(0)).length;
      const bytes = await readFile(file);
      bytes[secondAt + 20] ^= 0xff;
      await writeFile(file, bytes);
      const failure = await recover(dir).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(CorruptLogError);
      expect((failure as CorruptLogError).offset).toBe(secondAt);
      expect((failure as Error).message).toContain(file);
      expect((failure as Error).message).toContain(`byte offset ${secondAt}`);
      expect((await stat(file)).size).toBe(bytes.length); // nothing was truncated
    });
  });

  it('refuses a corrupted length field in the middle instead of truncating what follows', async () => {
    await withTempDir('log', async (dir) => {
      const file = await writeLog(dir, [record(0), record(1), record(2)]);
      const secondAt = encodeRecord(record(0)).length;
      const handle = await open(file, 'r+');
      await handle.write(Buffer.from([0xff, 0xff, 0x00, 0x00]), 0, 4, secondAt);
      await handle.close();
      await expect(recover(dir)).rejects.toThrow(`corrupt at byte offset ${secondAt}`);
    });
  });
});
