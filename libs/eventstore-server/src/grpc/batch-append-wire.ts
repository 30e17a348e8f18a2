import { type ExpectedRevision } from '../engine/expected-revision';
import { canonicalUuid, uuidFromHalves } from './uuid-message';

/**
 * `Streams.BatchAppend`'s request and success answer in protobuf's wire format, read and written directly: every append
 * goes through them, and the generated google-protobuf classes (an object per field, accessors, a reader object per
 * message) were a fifth of the server's CPU per append with eight writers (bench/eventstore-server). The rarer answers
 * (refusals, errors) still go through the generated classes. Field numbers are those of EventStoreDB's streams.proto
 * and shared.proto.
 */

export interface ProposedMessageFields {
  readonly id: string | undefined;
  readonly metadata: ReadonlyMap<string, string>;
  readonly customMetadata: Buffer;
  readonly data: Buffer;
}

export interface BatchAppendRequest {
  /** The correlation id's message as the client encoded it: the answer echoes it byte for byte. */
  readonly correlation: Buffer | undefined;
  readonly correlationId: string | undefined;
  readonly options: { readonly streamName: string; readonly expected: ExpectedRevision } | undefined;
  readonly messages: readonly ProposedMessageFields[];
  readonly isFinal: boolean;
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Reads one message's fields in order; a field of a kind not known here is skipped, as protobuf requires. */
class WireReader {
  private position: number;

  constructor(
    private readonly bytes: Buffer,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.position = start;
  }

  /** The next field's number and wire type, or undefined at the end of the message. */
  next(): { field: number; wireType: number } | undefined {
    if (this.position >= this.end) return undefined;
    const tag = this.varint();
    return { field: Math.floor(tag / 8), wireType: tag % 8 };
  }

  /** A varint as a number (tags, lengths, booleans, revisions): exact up to 2^53, as the revisions kept are. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new Error('varint too long');
  }

  /** A full 64-bit varint, as the two's complement a negative int64 is sent in. */
  bigVarint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.byte();
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, value);
    }
    throw new Error('varint too long');
  }

  /** A length-delimited field's bounds, skipped over. */
  delimited(): { start: number; end: number } {
    const length = this.varint();
    const start = this.position;
    const end = start + length;
    if (end > this.end) throw new Error('field runs past its message');
    this.position = end;
    return { start, end };
  }

  bytesField(): Buffer {
    const { start, end } = this.delimited();
    return Buffer.from(this.bytes.subarray(start, end));
  }

  stringField(): string {
    const { start, end } = this.delimited();
    return this.bytes.toString('utf8', start, end);
  }

  message(): WireReader {
    const { start, end } = this.delimited();
    return new WireReader(this.bytes, start, end);
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.bigVarint();
    else if (wireType === FIXED64) this.advance(8);
    else if (wireType === LENGTH_DELIMITED) this.delimited();
    else if (wireType === FIXED32) this.advance(4);
    else throw new Error(`wire type ${wireType} is not read here`);
  }

  private advance(count: number): void {
    if (this.position + count > this.end) throw new Error('field runs past its message');
    this.position += count;
  }

  private byte(): number {
    if (this.position >= this.end) throw new Error('message cut short');
    return this.bytes[this.position++]!;
  }
}

/** `BatchAppendReq`, from the bytes gRPC hands over. Throws on bytes that are not one. */
export function decodeBatchAppendReq(bytes: Buffer): BatchAppendRequest {
  const reader = new WireReader(bytes);
  let correlation: Buffer | undefined;
  let correlationId: string | undefined;
  let options: BatchAppendRequest['options'];
  const messages: ProposedMessageFields[] = [];
  let isFinal = false;
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.field === 1 && field.wireType === LENGTH_DELIMITED) {
      correlation = reader.bytesField();
      correlationId = uuidOf(new WireReader(correlation));
    } else if (field.field === 2 && field.wireType === LENGTH_DELIMITED)
      options = optionsOf(reader.message());
    else if (field.field === 3 && field.wireType === LENGTH_DELIMITED)
      messages.push(proposedOf(reader.message()));
    else if (field.field === 4 && field.wireType === VARINT) isFinal = reader.varint() !== 0;
    else reader.skip(field.wireType);
  }
  return { correlation, correlationId, options, messages, isFinal };
}

/** `UUID`: a string, or two signed 64-bit halves (the "structured" form); kept as the canonical string. */
function uuidOf(reader: WireReader): string | undefined {
  let id: string | undefined;
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.field === 2 && field.wireType === LENGTH_DELIMITED) id = canonicalUuid(reader.stringField());
    else if (field.field === 1 && field.wireType === LENGTH_DELIMITED) id = structuredUuid(reader.message());
    else reader.skip(field.wireType);
  }
  return id;
}

function structuredUuid(reader: WireReader): string {
  let [high, low] = [0n, 0n];
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.field === 1 && field.wireType === VARINT) high = reader.bigVarint();
    else if (field.field === 2 && field.wireType === VARINT) low = reader.bigVarint();
    else reader.skip(field.wireType);
  }
  return uuidFromHalves(high, low);
}

/** `BatchAppendReq.Options`: the stream, and the expected position (a oneof: the last one given counts). */
function optionsOf(reader: WireReader): NonNullable<BatchAppendRequest['options']> {
  let streamName = '';
  let expected: ExpectedRevision = { kind: 'any' };
  for (let field = reader.next(); field; field = reader.next()) {
    const { field: number, wireType } = field;
    if (number === 1 && wireType === LENGTH_DELIMITED) streamName = streamNameOf(reader.message());
    else if (number === 2 && wireType === VARINT) expected = { kind: 'exact', revision: reader.varint() };
    else if (number in EMPTY_EXPECTATIONS && wireType === LENGTH_DELIMITED) {
      reader.delimited();
      expected = EMPTY_EXPECTATIONS[number]!;
    } else reader.skip(wireType);
  }
  return { streamName, expected };
}

/** The expected positions sent as an empty message: no_stream (3), any (4), stream_exists (5). */
const EMPTY_EXPECTATIONS: Readonly<Record<number, ExpectedRevision>> = {
  3: { kind: 'no_stream' },
  4: { kind: 'any' },
  5: { kind: 'stream_exists' },
};

/** `StreamIdentifier`: its name, bytes read as UTF-8. */
function streamNameOf(reader: WireReader): string {
  let name = '';
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.field === 3 && field.wireType === LENGTH_DELIMITED) name = reader.stringField();
    else reader.skip(field.wireType);
  }
  return name;
}

/** `BatchAppendReq.ProposedMessage`: id, metadata (a map of strings), custom metadata and data. */
function proposedOf(reader: WireReader): ProposedMessageFields {
  let id: string | undefined;
  const metadata = new Map<string, string>();
  let customMetadata: Buffer = Buffer.alloc(0);
  let data: Buffer = Buffer.alloc(0);
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.field === 1 && field.wireType === LENGTH_DELIMITED) id = uuidOf(reader.message());
    else if (field.field === 2 && field.wireType === LENGTH_DELIMITED) {
      const [key, value] = mapEntryOf(reader.message());
      metadata.set(key, value);
    } else if (field.field === 3 && field.wireType === LENGTH_DELIMITED) customMetadata = reader.bytesField();
    else if (field.field === 4 && field.wireType === LENGTH_DELIMITED) data = reader.bytesField();
    else reader.skip(field.wireType);
  }
  return { id, metadata, customMetadata, data };
}

function mapEntryOf(reader: WireReader): [string, string] {
  let [key, value] = ['', ''];
  for (let field = reader.next(); field; field = reader.next()) {
    if (field.field === 1 && field.wireType === LENGTH_DELIMITED) key = reader.stringField();
    else if (field.field === 2 && field.wireType === LENGTH_DELIMITED) value = reader.stringField();
    else reader.skip(field.wireType);
  }
  return [key, value];
}

/** A successful append's `BatchAppendResp`: the correlation id echoed, the stream, and where the append ended. */
export function encodeBatchAppendSuccess(
  correlation: Buffer,
  streamName: string,
  outcome: { readonly currentRevision: number; readonly position: number } | 'no-stream',
): Buffer {
  const name = Buffer.from(streamName, 'utf8');
  // AllStreamPosition: commit (1) and prepare (2) positions, both the append's.
  const positionLength = outcome === 'no-stream' ? 0 : 2 * (1 + varintLength(outcome.position));
  // Success: current_revision (1) and position (3), or no_stream (2) and no_position (4), both empty.
  const successLength =
    outcome === 'no-stream'
      ? 4
      : 1 + varintLength(outcome.currentRevision) + 1 + varintLength(positionLength) + positionLength;
  // StreamIdentifier: stream_name (3).
  const identifierLength = 1 + varintLength(name.length) + name.length;
  const bytes = Buffer.allocUnsafe(
    delimitedLength(correlation.length) + delimitedLength(successLength) + delimitedLength(identifierLength),
  );
  const writer = new WireWriter(bytes);
  writer.delimited(1, correlation.length).bytes(correlation);
  writer.delimited(3, successLength);
  if (outcome === 'no-stream') writer.delimited(2, 0).delimited(4, 0);
  else {
    writer.tag(1, VARINT).varint(outcome.currentRevision);
    writer.delimited(3, positionLength);
    writer.tag(1, VARINT).varint(outcome.position).tag(2, VARINT).varint(outcome.position);
  }
  writer.delimited(4, identifierLength).delimited(3, name.length).bytes(name);
  return bytes;
}

/** An answer's other fields with the correlation id (field 1) put first: a message's fields may come in any order. */
export function withCorrelation(correlation: Buffer, rest: Uint8Array): Buffer {
  const bytes = Buffer.allocUnsafe(delimitedLength(correlation.length) + rest.length);
  new WireWriter(bytes).delimited(1, correlation.length).bytes(correlation).bytes(Buffer.from(rest));
  return bytes;
}

/** Writes fields into a buffer sized for them beforehand. */
class WireWriter {
  private position = 0;

  constructor(private readonly target: Buffer) {}

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** A length-delimited field's tag and length; its bytes follow. */
  delimited(field: number, length: number): this {
    return this.tag(field, LENGTH_DELIMITED).varint(length);
  }

  varint(value: number): this {
    let rest = value;
    while (rest >= 0x80) {
      this.target[this.position++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.target[this.position++] = rest;
    return this;
  }

  bytes(source: Buffer): this {
    source.copy(this.target, this.position);
    this.position += source.length;
    return this;
  }
}

function varintLength(value: number): number {
  let length = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) length++;
  return length;
}

/** A length-delimited field of a field number below 16 (one byte of tag): tag, length, bytes. */
function delimitedLength(length: number): number {
  return 1 + varintLength(length) + length;
}
