import { EventStoreDBClient } from '@eventstore/db-client';
import { startEmbeddedEventStore } from '@app/eventstore-server';
import { infraEnv } from './infra-env';
import { makeTempDir } from './temp-dir';
import { rm } from 'node:fs/promises';

export interface TestEventStore {
  readonly connectionString: string;
  readonly embedded: boolean;
  /** The embedded server's files (absent for a real EventStoreDB). */
  readonly dataDir?: string;
  stop(): Promise<void>;
}

/**
 * A real EventStoreDB when EVENTSTORE_CONNECTION_STRING is set, otherwise the embedded server on a random port with
 * its data in a temp dir (fsync off: tests prove semantics, the bench measures durability costs).
 */
export async function startTestEventStore(): Promise<TestEventStore> {
  if (infraEnv.eventStoreConnectionString) {
    return {
      connectionString: infraEnv.eventStoreConnectionString,
      embedded: false,
      stop: async () => undefined,
    };
  }
  const dataDir = await makeTempDir('esdb-test');
  const server = await startEmbeddedEventStore({ port: 0, dataDir, fsync: false });
  return {
    connectionString: server.connectionString,
    embedded: true,
    dataDir,
    async stop() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers beforeAll/afterAll hooks that start a test event store and a client for the enclosing `describe`, and
 * dispose of both (client first: a client left open keeps its streams alive).
 */
export function useTestEventStore(): { readonly client: EventStoreDBClient; readonly store: TestEventStore } {
  const context = {} as { client: EventStoreDBClient; store: TestEventStore };
  beforeAll(async () => {
    context.store = await startTestEventStore();
    context.client = EventStoreDBClient.connectionString(context.store.connectionString);
  });
  afterAll(async () => {
    await context.client?.dispose();
    await context.store?.stop();
  });
  return context;
}
