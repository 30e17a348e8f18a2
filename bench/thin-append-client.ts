import { randomUUID } from 'node:crypto';
import { Client, Metadata, credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { emptyPb, sharedPb, streamsPb } from '../libs/eventstore-server/src/grpc/generated';

const BATCH_APPEND = '/event_store.client.streams.Streams/BatchAppend';
const passThrough = (bytes: Buffer): Buffer => bytes;

/**
 * The least a client can do to append one event: one long-lived BatchAppend stream (as the official client uses),
 * each append a copy of a request encoded once per stream with its two UUIDs written in, answers matched by
 * correlation id. It measures the embedded server where @eventstore/db-client's own work (base64 of JSON, protobuf
 * objects and a deadline per append, in JavaScript) would be the bottleneck instead: with eight writers the client
 * answers eight appends and sends eight more between two group commits, and every microsecond of that lengthens the
 * cycle the server's groups are measured over.
 */
export class ThinAppendClient {
  private readonly client: Client;
  private readonly stream: ClientDuplexStream<Buffer, Buffer>;
  private readonly waiting = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  private readonly data: Buffer;
  private readonly customMetadata: Buffer;
  /** By stream: the request's bytes, and where its correlation id and event id (36 characters each) sit in them. */
  private readonly templates = new Map<string, { bytes: Buffer; correlationAt: number; eventIdAt: number }>();

  constructor(connectionString: string, payload: object) {
    const address = /^esdb:\/\/([^/?]+)/.exec(connectionString)?.[1];
    if (!address) throw new Error(`not an esdb connection string: ${connectionString}`);
    this.client = new Client(address, credentials.createInsecure());
    this.data = Buffer.from(JSON.stringify(payload));
    this.customMetadata = Buffer.from(JSON.stringify({ actor: 'bench' }));
    this.stream = this.client.makeBidiStreamRequest<Buffer, Buffer>(
      BATCH_APPEND,
      passThrough,
      passThrough,
      new Metadata(),
    );
    this.stream.on('data', (bytes: Buffer) => {
      const { id, success } = answerOf(bytes);
      const waiting = this.waiting.get(id);
      this.waiting.delete(id);
      if (success) waiting?.resolve();
      else waiting?.reject(new Error(`append ${id} refused`));
    });
    this.stream.on('error', (error: Error) => {
      for (const waiting of this.waiting.values()) waiting.reject(error);
      this.waiting.clear();
    });
  }

  /** Appends one event to `stream` (any expected revision); resolves once the server acknowledged it. */
  append(stream: string): Promise<void> {
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.stream.write(this.request(id, stream));
    });
  }

  close(): void {
    this.stream.end();
    this.client.close();
  }

  private request(correlationId: string, stream: string): Buffer {
    let template = this.templates.get(stream);
    if (!template) {
      const [correlation, eventId] = [randomUUID(), randomUUID()];
      const bytes = this.encode(correlation, stream, eventId);
      template = {
        bytes,
        correlationAt: bytes.indexOf(correlation, 0, 'latin1'),
        eventIdAt: bytes.indexOf(eventId, 0, 'latin1'),
      };
      if (template.correlationAt < 0 || template.eventIdAt < 0)
        throw new Error('UUIDs not found in the request');
      this.templates.set(stream, template);
    }
    const bytes = Buffer.from(template.bytes);
    bytes.write(correlationId, template.correlationAt, 'latin1');
    bytes.write(randomUUID(), template.eventIdAt, 'latin1');
    return bytes;
  }

  private encode(correlationId: string, stream: string, id: string): Buffer {
    const identifier = new sharedPb.StreamIdentifier();
    identifier.setStreamName(Buffer.from(stream));
    const options = new streamsPb.BatchAppendReq.Options();
    options.setStreamIdentifier(identifier);
    options.setAny(new emptyPb.Empty() as never);
    const eventId = new sharedPb.UUID();
    eventId.setString(id);
    const message = new streamsPb.BatchAppendReq.ProposedMessage();
    message.setId(eventId);
    message.getMetadataMap().set('type', 'MemberRoleChanged').set('content-type', 'application/json');
    message.setCustomMetadata(this.customMetadata);
    message.setData(this.data);
    const correlation = new sharedPb.UUID();
    correlation.setString(correlationId);
    const request = new streamsPb.BatchAppendReq()
      .setCorrelationId(correlation)
      .setOptions(options)
      .setProposedMessagesList([message])
      .setIsFinal(true);
    return Buffer.from(request.serializeBinary());
  }
}

/**
 * The correlation id of an answer and whether it is a success. The embedded server writes the echoed correlation id
 * first, as a UUID in its string form, then the outcome (field 3 is `success`); anything else is decoded in full.
 */
function answerOf(bytes: Buffer): { id: string; success: boolean } {
  if (bytes[0] === 0x0a && bytes[1] === 38 && bytes[2] === 0x12 && bytes[3] === 36)
    return { id: bytes.toString('latin1', 4, 40), success: bytes[40] === 0x1a };
  const answer = streamsPb.BatchAppendResp.deserializeBinary(bytes);
  return { id: answer.getCorrelationId()?.getString() ?? '', success: answer.hasSuccess() };
}
