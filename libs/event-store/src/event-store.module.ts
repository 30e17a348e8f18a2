import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { AggregateStore, type AggregateStoreOptions } from './aggregate-store';
import { acquireEventStoreClient, releaseEventStoreClient } from './event-store-client';
import { STORED_DATA_PROTECTION, type StoredDataProtection } from './stored-data-protection';

export const EVENT_STORE_CLIENT = Symbol('EVENT_STORE_CLIENT');

class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
    private readonly aggregates: AggregateStore,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    // Snapshots still being written in the background are finished first, not cut off by the closing client.
    await this.aggregates.snapshotsWritten();
    await releaseEventStoreClient(this.client);
  }
}

/** Provides the EventStoreDB client and an AggregateStore over it to a service. */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(connectionString: string, options: AggregateStoreOptions = {}): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: EVENT_STORE_CLIENT, useFactory: () => acquireEventStoreClient(connectionString) },
        {
          provide: AggregateStore,
          inject: [EVENT_STORE_CLIENT, { token: STORED_DATA_PROTECTION, optional: true }],
          useFactory: (client: EventStoreDBClient, protection?: StoredDataProtection) =>
            new AggregateStore(client, protection ? { protection, ...options } : options),
        },
        EventStoreLifecycle,
      ],
      exports: [EVENT_STORE_CLIENT, AggregateStore],
    };
  }
}

/** Readiness: the store answers a one-event read of `$all`. */
export async function pingEventStore(client: EventStoreDBClient): Promise<boolean> {
  for await (const _ of client.readAll({ maxCount: 1 })) {
    // consumed to the end on purpose (see readLastEvent)
  }
  return true;
}
