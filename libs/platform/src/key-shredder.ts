import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type Provider,
} from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  EVENT_STORE_CLIENT,
  EventStoreCheckpointStore,
  followAll,
  type RunningSubscription,
} from '@app/event-store';
import { type PersonalData } from '@app/personal-data';
import { PERSONAL_DATA } from './personal-data.module';

/**
 * Destroys the keys that every erasure event (`UserErased`, `InviteeErased`: any event whose data has `erasedKeys`)
 * of a service's streams names. Whoever records an erasure destroys the keys before answering; this follower makes
 * the erasure certain when that was cut short (a crash after the event was stored). Erasing is idempotent, so
 * replicas may all run it.
 */
export class KeyShredder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private follower: RunningSubscription | undefined;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly personalData: PersonalData,
    private readonly name: string,
    private readonly streamPrefix: string,
  ) {
    this.logger = new Logger(name);
  }

  onApplicationBootstrap(): void {
    this.follower = followAll({
      name: this.name,
      client: this.client,
      checkpoints: new EventStoreCheckpointStore(this.client),
      filter: { streamPrefixes: [this.streamPrefix] },
      maxBatchSize: 500,
      checkpointEveryMs: 1_000,
      handle: async (events) => {
        for (const { event } of events) {
          const keys = (event.data as { erasedKeys?: unknown }).erasedKeys;
          if (Array.isArray(keys))
            for (const key of keys) if (typeof key === 'string') await this.personalData.vault.erase(key);
        }
      },
      onError: (error) => this.logger.warn(`will resume from its checkpoint: ${String(error)}`),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.follower?.stop();
  }
}

/** A service's key shredder over its own streams (`user-`, `organization-`). */
export function keyShredderProvider(name: string, streamPrefix: string): Provider {
  return {
    provide: KeyShredder,
    inject: [EVENT_STORE_CLIENT, PERSONAL_DATA],
    useFactory: (client: EventStoreDBClient, personalData: PersonalData) =>
      new KeyShredder(client, personalData, name, streamPrefix),
  };
}
