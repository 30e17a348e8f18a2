import { crc32 } from 'node:zlib';
import { type LoggedRecord, type NewRecord } from './stored-event';
import { uuidFromBytes } from './uuid-text';

/**
 * Record layout, little-endian: u32 payload length | u32 CRC-32 of payload | payload.
 * Payload: u8 format (1) | u64 revision | i64 created ticks | 16 bytes event id | u16 stream length + bytes |
 * u16 type length + bytes | u16 content-type length + bytes | u32 data length + bytes | u32 metadata length + bytes.
 */
export const RECORD_HEADER_BYTES = 8;
const FORMAT = 1;
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export function encodeRecord(record: NewRecord): Buffer {
  const stream = Buffer.from(record.streamName, 'utf8');
  const type = Buffer.from(record.type, 'utf8');
  const contentType = Buffer.from(record.contentType, 'utf8');
  const payloadLength =
    1 +
    8 +
    8 +
    16 +
    2 +
    stream.length +
    2 +
    type.length +
    2 +
    contentType.length +
    4 +
    record.data.length +
    4 +
    record.metadata.length;
  if (payloadLength > MAX_RECORD_BYTES) throw new RangeError(`event larger than ${MAX_RECORD_BYTES} bytes`);
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payloadLength);
  let o = RECORD_HEADER_BYTES;
  o = out.writeUInt8(FORMAT, o);
  o = out.writeBigUInt64LE(BigInt(record.revision), o);
  o = out.writeBigInt64LE(record.createdTicks, o);
  const id = Buffer.from(record.eventId.replace(/-/g, ''), 'hex');
  // Buffer.from stops at the first non-hex digit: anything but 16 bytes would shift every field after it.
  if (id.length !== 16) throw new RangeError(`event id ${JSON.stringify(record.eventId)} is not a UUID`);
  o += id.copy(out, o);
  for (const part of [stream, type, contentType]) {
    o = out.writeUInt16LE(part.length, o);
    o += part.copy(out, o);
  }
  for (const part of [record.data, record.metadata]) {
    o = out.writeUInt32LE(part.length, o);
    o += part.copy(out, o);
  }
  out.writeUInt32LE(payloadLength, 0);
  out.writeUInt32LE(crc32(out.subarray(RECORD_HEADER_BYTES)), 4);
  return out;
}

export type DecodeResult =
  | { kind: 'record'; event: LoggedRecord; nextOffset: number }
  | { kind: 'incomplete' }
  | { kind: 'corrupt'; reason: string };

/** Decodes the record at `offset` of `buf`; `basePosition` is the file offset of `buf[0]`. */
export function decodeRecord(buf: Buffer, offset: number, basePosition: number): DecodeResult {
  if (buf.length - offset < RECORD_HEADER_BYTES) return { kind: 'incomplete' };
  const length = buf.readUInt32LE(offset);
  const expectedCrc = buf.readUInt32LE(offset + 4);
  const start = offset + RECORD_HEADER_BYTES;
  if (length === 0 || length > MAX_RECORD_BYTES) {
    return { kind: 'corrupt', reason: `implausible record length ${length}` };
  }
  if (buf.length - start < length) return { kind: 'incomplete' };
  const payload = buf.subarray(start, start + length);
  if (crc32(payload) !== expectedCrc) return { kind: 'corrupt', reason: 'checksum mismatch' };
  try {
    return {
      kind: 'record',
      event: parsePayload(payload, basePosition + offset),
      nextOffset: start + length,
    };
  } catch (error) {
    return { kind: 'corrupt', reason: `unreadable payload: ${(error as Error).message}` };
  }
}

function parsePayload(p: Buffer, position: number): LoggedRecord {
  let o = 0;
  const format = p.readUInt8(o++);
  if (format !== FORMAT) throw new Error(`unknown record format ${format}`);
  const revision = Number(p.readBigUInt64LE(o));
  o += 8;
  const createdTicks = p.readBigInt64LE(o);
  o += 8;
  const eventId = uuidFromBytes(p, o);
  o += 16;
  const strings: string[] = [];
  for (let i = 0; i < 3; i++) {
    const len = p.readUInt16LE(o);
    o += 2;
    strings.push(p.toString('utf8', o, o + len));
    o += len;
  }
  const blobs: Buffer[] = [];
  for (let i = 0; i < 2; i++) {
    const len = p.readUInt32LE(o);
    o += 4;
    if (o + len > p.length) throw new Error('field runs past the record');
    blobs.push(p.subarray(o, o + len));
    o += len;
  }
  if (o !== p.length) throw new Error('trailing bytes in record');
  const [streamName, type, contentType] = strings as [string, string, string];
  const [data, metadata] = blobs as [Buffer, Buffer];
  return { position, streamName, revision, eventId, type, contentType, createdTicks, data, metadata };
}
