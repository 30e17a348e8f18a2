import { Server, ServerCredentials } from '@grpc/grpc-js';
import { StoreEngine } from './engine/store-engine';
import { ServerFeaturesService, StreamsService } from './grpc/generated';
import { serverFeaturesService } from './grpc/server-features-service';
import { streamsService } from './grpc/streams-service';

export interface EmbeddedEventStoreOptions {
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** fdatasync before acknowledging an append (default true). Off only for tests that measure semantics, not durability. */
  readonly fsync?: boolean;
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
  const { engine, truncatedBytes } = await StoreEngine.open(options.dataDir, options.fsync ?? true);
  const server = new Server({
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
    'grpc.max_send_message_length': 128 * 1024 * 1024,
  });
  server.addService(StreamsService, streamsService(engine));
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
