import { EventStoreDBClient } from '@eventstore/db-client';
import { isolateBatchAppendsPerStream } from './batch-append-per-stream';

// Before any client appends: every client in the process, ours or a test's, gets it.
isolateBatchAppendsPerStream();

/** The one way our services reach an event store, real EventStoreDB/KurrentDB or the embedded server alike. */
export function connectEventStore(connectionString: string): EventStoreDBClient {
  return EventStoreDBClient.connectionString(connectionString);
}

const shared = new Map<string, { client: EventStoreDBClient; users: number }>();

/**
 * One client per event store for every service in a process (the embedded default runs all four in one; tests run
 * several instances): one connection and one BatchAppend stream for them all. Released by the last user.
 */
export function acquireEventStoreClient(connectionString: string): EventStoreDBClient {
  const entry = shared.get(connectionString) ?? { client: connectEventStore(connectionString), users: 0 };
  entry.users++;
  shared.set(connectionString, entry);
  return entry.client;
}

export async function releaseEventStoreClient(client: EventStoreDBClient): Promise<void> {
  for (const [connectionString, entry] of shared) {
    if (entry.client !== client) continue;
    if (--entry.users > 0) return;
    shared.delete(connectionString);
    await client.dispose();
    return;
  }
  await client.dispose();
}
