import { randomUUID } from 'node:crypto';
import { Client, Metadata, credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { emptyPb, sharedPb, streamsPb } from '../libs/eventstore-server/src/grpc/generated';

const BATCH_APPEND = '/event_store.client.streams.Streams/BatchAppend';
const passThrough = (bytes: Buffer): Buffer => bytes;

/**
 * The least a client can do to append one event: one long-lived BatchAppend stream (as the official client uses),
 * each append a single request built in a few microseconds, answers matched by correlation id. It measures the
 * embedded server where @eventstore/db-client's own work (base64 of JSON, protobuf objects and a deadline per
 * append, in JavaScript) would be the bottleneck instead.
 */
export class ThinAppendClient {
  private readonly client: Client;
  private readonly stream: ClientDuplexStream<Buffer, Buffer>;
  private readonly waiting = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  private readonly data: Buffer;
  private readonly customMetadata: Buffer;

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
      const answer = streamsPb.BatchAppendResp.deserializeBinary(bytes);
      const id = answer.getCorrelationId()?.getString() ?? '';
      const waiting = this.waiting.get(id);
      this.waiting.delete(id);
      if (answer.hasSuccess()) waiting?.resolve();
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
    const identifier = new sharedPb.StreamIdentifier();
    identifier.setStreamName(Buffer.from(stream));
    const options = new streamsPb.BatchAppendReq.Options();
    options.setStreamIdentifier(identifier);
    options.setAny(new emptyPb.Empty() as never);
    const eventId = new sharedPb.UUID();
    eventId.setString(randomUUID());
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
