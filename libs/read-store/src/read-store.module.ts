import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { InMemoryReadStore } from './in-memory-read-store';
import { MongoReadStore } from './mongo-read-store';
import { type ReadStore } from './read-store';

export const READ_STORE = Symbol('READ_STORE');

export function openReadStore(options: { mongoUrl?: string; dbName?: string }): Promise<ReadStore> {
  return options.mongoUrl
    ? MongoReadStore.connect(options.mongoUrl, options.dbName)
    : Promise.resolve(new InMemoryReadStore());
}

class ReadStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(READ_STORE) private readonly store: ReadStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** MongoDB when `mongoUrl` is set, in memory otherwise, behind the READ_STORE token. */
@Global()
@Module({})
export class ReadStoreModule {
  static forRoot(options: { mongoUrl?: string; dbName?: string }): DynamicModule {
    return {
      module: ReadStoreModule,
      providers: [{ provide: READ_STORE, useFactory: () => openReadStore(options) }, ReadStoreLifecycle],
      exports: [READ_STORE],
    };
  }
}
