import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  EVENT_STORE_CLIENT,
  EventStoreCheckpointStore,
  followAll,
  type RunningSubscription,
} from '@app/event-store';
import { PERSONAL_DATA } from '@app/platform';
import { type PersonalData } from '@app/personal-data';
import { type UserEvent } from '../users/user.events';

/**
 * Destroys the keys every UserErased names. Deleting an account destroys them before it answers; this follower makes
 * the erasure certain when that was cut short (a crash after the events were stored). Erasing is idempotent, so
 * replicas may both run it.
 */
@Injectable()
export class KeyShredder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(KeyShredder.name);
  private follower: RunningSubscription | undefined;

  constructor(
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
    @Inject(PERSONAL_DATA) private readonly personalData: PersonalData,
  ) {}

  onApplicationBootstrap(): void {
    this.follower = followAll<UserEvent>({
      name: 'identity-key-shredder',
      client: this.client,
      checkpoints: new EventStoreCheckpointStore(this.client),
      filter: { streamPrefixes: ['user-'] },
      maxBatchSize: 500,
      checkpointEveryMs: 1_000,
      handle: async (events) => {
        for (const { event } of events)
          if (event.type === 'UserErased')
            for (const key of event.data.erasedKeys) await this.personalData.vault.erase(key);
      },
      onError: (error) => this.logger.warn(`key shredder will resume from its checkpoint: ${String(error)}`),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.follower?.stop();
  }
}
