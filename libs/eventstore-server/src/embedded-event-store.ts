import { Server, ServerCredentials } from '@grpc/grpc-js';
import { StoreEngine } from './engine/store-engine';
import { ServerFeaturesService, StreamsService } from './grpc/generated';
import { batchAppendMethod } from './grpc/batch-append';
import { serverFeaturesService } from './grpc/server-features-service';
import { DEFAULT_MAX_APPEND_SIZE, LARGEST_MAX_APPEND_SIZE } from './grpc/append-rules';
import { streamsService } from './grpc/streams-service';

export interface EmbeddedEventStoreOptions {
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** fdatasync before acknowledging an append (default true). Off only for tests that measure semantics, not durability. */
  readonly fsync?: boolean;
  /** EventStoreDB's `MaxAppendSize` (default 1 MiB, at most 16,767,216 bytes): larger appends are refused. */
  readonly maxAppendSize?: number;
}

export interface EmbeddedEventStore {
  readonly port: number;
  readonly connectionString: string;
  readonly eventCount: number;
  /** Bytes of a torn tail dropped at start-up, 0 after a clean shutdown. */
  readonly recoveredTruncatedBytes: number;
  close(): Promise<void>;
}

/**
 * An EventStoreDB-protocol gRPC server for the embedded default and tests: what `@eventstore/db-client` calls for
 * appends, reads, subscriptions and soft deletes, durable on local disk. Insecure (no TLS, no auth): bind it to
 * loopback.
 */
export async function startEmbeddedEventStore(
  options: EmbeddedEventStoreOptions,
): Promise<EmbeddedEventStore> {
  const maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
  if (!Number.isInteger(maxAppendSize) || maxAppendSize <= 0 || maxAppendSize > LARGEST_MAX_APPEND_SIZE)
    throw new Error(`maxAppendSize must be 1..${LARGEST_MAX_APPEND_SIZE} bytes, got ${maxAppendSize}`);
  const { engine, truncatedBytes } = await StoreEngine.open(options.dataDir, options.fsync ?? true);
  const server = new Server({
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
    'grpc.max_send_message_length': 128 * 1024 * 1024,
  });
  server.addService(
    { ...StreamsService, batchAppend: batchAppendMethod(StreamsService.batchAppend!) },
    streamsService(engine, { maxAppendSize }),
  );
  server.addService(ServerFeaturesService, serverFeaturesService());
  const host = options.host ?? '127.0.0.1';
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${options.port ?? 0}`, ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
  } catch (error) {
    await engine.close();
    throw error;
  }
  let closed = false;
  return {
    port,
    connectionString: `esdb://${host}:${port}?tls=false`,
    get eventCount() {
      return engine.all.length;
    },
    recoveredTruncatedBytes: truncatedBytes,
    async close() {
      if (closed) return;
      closed = true;
      // Subscriptions are endless streams: cut them rather than wait for clients to leave.
      server.forceShutdown();
      await engine.close();
    },
  };
}
