import { EventStoreDBClient } from '@eventstore/db-client';

/** The one way our services reach an event store, real EventStoreDB/KurrentDB or the embedded server alike. */
export function connectEventStore(connectionString: string): EventStoreDBClient {
  return EventStoreDBClient.connectionString(connectionString);
}

const shared = new Map<string, { client: EventStoreDBClient; users: number }>();

/**
 * One client per event store for every service in a process (the embedded default runs all four in one; tests run
 * several instances). `@eventstore/db-client` keeps its pending batch appends in one module-wide table, so disposing
 * one of several clients would fail the appends the others have in flight. Released by the last user.
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
