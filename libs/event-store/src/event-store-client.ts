import { EventStoreDBClient } from '@eventstore/db-client';

/** The one way our services reach an event store, real EventStoreDB/KurrentDB or the embedded server alike. */
export function connectEventStore(connectionString: string): EventStoreDBClient {
  return EventStoreDBClient.connectionString(connectionString);
}
