import { randomUUID } from 'node:crypto';
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import { sharedPb, streamsPb } from '../libs/eventstore-server/src/grpc/generated';

const APPEND = '/event_store.client.streams.Streams/Append';
const passThrough = (bytes: Buffer): Buffer => bytes;

/**
 * The least a client can do to append one event: a raw gRPC client-streaming call with the options message built once
 * per stream and only the event's id varying. It measures the embedded server where @eventstore/db-client's own work
 * (base64 of JSON, protobuf objects and a deadline per append, in JavaScript) would be the bottleneck instead.
 */
export class ThinAppendClient {
  private readonly client: Client;
  private readonly options = new Map<string, Buffer>();
  private readonly data: Buffer;
  private readonly customMetadata: Buffer;

  constructor(connectionString: string, payload: object) {
    const address = /^esdb:\/\/([^/?]+)/.exec(connectionString)?.[1];
    if (!address) throw new Error(`not an esdb connection string: ${connectionString}`);
    this.client = new Client(address, credentials.createInsecure());
    this.data = Buffer.from(JSON.stringify(payload));
    this.customMetadata = Buffer.from(JSON.stringify({ actor: 'bench' }));
  }

  /** Appends one event to `stream` (any expected revision); resolves once the server acknowledged it. */
  append(stream: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.client.makeClientStreamRequest<Buffer, Buffer>(
        APPEND,
        passThrough,
        passThrough,
        new Metadata(),
        (error, response) => {
          if (error) return reject(error);
          const answer = streamsPb.AppendResp.deserializeBinary(response!);
          if (!answer.hasSuccess()) return reject(new Error(`append to ${stream} refused`));
          resolve();
        },
      );
      call.write(this.optionsFor(stream));
      call.write(this.proposed());
      call.end();
    });
  }

  close(): void {
    this.client.close();
  }

  private optionsFor(stream: string): Buffer {
    let bytes = this.options.get(stream);
    if (!bytes) {
      const identifier = new sharedPb.StreamIdentifier();
      identifier.setStreamName(Buffer.from(stream));
      const options = new streamsPb.AppendReq.Options();
      options.setStreamIdentifier(identifier);
      options.setAny(new sharedPb.Empty());
      bytes = Buffer.from(new streamsPb.AppendReq().setOptions(options).serializeBinary());
      this.options.set(stream, bytes);
    }
    return bytes;
  }

  private proposed(): Buffer {
    const id = new sharedPb.UUID();
    id.setString(randomUUID());
    const message = new streamsPb.AppendReq.ProposedMessage();
    message.setId(id);
    message.getMetadataMap().set('type', 'MemberRoleChanged').set('content-type', 'application/json');
    message.setCustomMetadata(this.customMetadata);
    message.setData(this.data);
    return Buffer.from(new streamsPb.AppendReq().setProposedMessage(message).serializeBinary());
  }
}
