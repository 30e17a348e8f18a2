import { crc32 } from 'node:zlib';
import { decodeRecord, MAX_RECORD_BYTES } from './record-codec';
import { type LoggedRecord } from './stored-event';

/**
 * Each group commit is written as one frame: u32 magic | u32 length of its records | u32 CRC-32 of them | the records.
 * Recovery takes a frame whole or not at all. A crash while a frame is written may leave any of its sectors on disk
 * and not others, so one of its records can read back intact while one before it does not; an append of several
 * events must not come back in part, and an intact record after a hole must not pass for acknowledged data. The magic
 * is larger than any record length, so records written one by one before frames (older logs) are told apart.
 */
export const FRAME_HEADER_BYTES = 12;
const FRAME_MAGIC = 0xe5b47c11;
if (FRAME_MAGIC <= MAX_RECORD_BYTES) throw new Error('the frame magic must not read as a record length');

export function encodeFrameHeader(records: readonly Buffer[]): Buffer {
  let length = 0;
  let crc = 0;
  for (const record of records) {
    length += record.length;
    crc = crc32(record, crc);
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(FRAME_MAGIC, 0);
  header.writeUInt32LE(length, 4);
  header.writeUInt32LE(crc, 8);
  return header;
}

export type FrameDecodeResult =
  | { kind: 'frame'; events: LoggedRecord[]; nextOffset: number }
  | { kind: 'not-a-frame' }
  | { kind: 'incomplete' }
  | { kind: 'corrupt'; reason: string };

/**
 * Decodes the frame at `offset` of `buf`, every record in it or none; `basePosition` is the file offset of `buf[0]`.
 * A frame said to run past `fileEnd` is corrupt at once, rather than read up to the end of the log first.
 */
export function decodeFrame(
  buf: Buffer,
  offset: number,
  basePosition: number,
  fileEnd = Infinity,
): FrameDecodeResult {
  if (buf.length - offset < 4) return { kind: 'incomplete' };
  if (buf.readUInt32LE(offset) !== FRAME_MAGIC) return { kind: 'not-a-frame' };
  if (buf.length - offset < FRAME_HEADER_BYTES) return { kind: 'incomplete' };
  const length = buf.readUInt32LE(offset + 4);
  const start = offset + FRAME_HEADER_BYTES;
  const end = start + length;
  if (basePosition + end > fileEnd)
    return { kind: 'corrupt', reason: 'a frame running past the end of the log' };
  if (buf.length < end) return { kind: 'incomplete' };
  if (crc32(buf.subarray(start, end)) !== buf.readUInt32LE(offset + 8))
    return { kind: 'corrupt', reason: 'frame checksum mismatch' };
  const events: LoggedRecord[] = [];
  let at = start;
  while (at < end) {
    const record = decodeRecord(buf.subarray(0, end), at, basePosition);
    if (record.kind !== 'record') return { kind: 'corrupt', reason: 'a frame holding a damaged record' };
    events.push(record.event);
    at = record.nextOffset;
  }
  return { kind: 'frame', events, nextOffset: end };
}
