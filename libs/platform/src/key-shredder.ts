import {
  Logger,
  type BeforeApplicationShutdown,
  type InjectionToken,
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

/** What else a service forgets of an erasure, after its keys: idempotent, as it may run more than once. */
export type AfterErasure = (erasure: {
  readonly type: string;
  readonly data: Record<string, unknown>;
}) => Promise<void>;

/**
 * Destroys the keys that every erasure event (`UserErased`, `InviteeErased`: any event whose data has `erasedKeys`)
 * of a service's streams names, then does what `afterErasure` adds. Whoever records an erasure does it all before
 * answering; this follower makes the erasure certain when that was cut short (a crash after the event was stored).
 * Erasing is idempotent, so replicas may all run it.
 */
export class KeyShredder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private follower: RunningSubscription | undefined;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly personalData: PersonalData,
    private readonly name: string,
    private readonly streamPrefix: string,
    private readonly afterErasure: AfterErasure = async () => undefined,
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
        const erasures = events.filter(({ event }) =>
          Array.isArray((event.data as { erasedKeys?: unknown }).erasedKeys),
        );
        // Every key first: what follows may fail (its store down) and be tried again, the keys need nothing else.
        for (const { event } of erasures)
          for (const key of (event.data as { erasedKeys: unknown[] }).erasedKeys)
            if (typeof key === 'string') await this.personalData.vault.erase(key);
        for (const { event } of erasures)
          await this.afterErasure({ type: event.type, data: event.data as Record<string, unknown> });
      },
      onError: (error) => this.logger.warn(`will resume from its checkpoint: ${String(error)}`),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.follower?.stop();
  }
}

/**
 * A service's key shredder over its own streams (`user-`, `organization-`); `afterErasure` is made of the providers
 * `inject` names.
 */
export function keyShredderProvider(
  name: string,
  streamPrefix: string,
  after?: { inject: readonly InjectionToken[]; afterErasure: (...deps: never[]) => AfterErasure },
): Provider {
  return {
    provide: KeyShredder,
    inject: [EVENT_STORE_CLIENT, PERSONAL_DATA, ...(after?.inject ?? [])],
    useFactory: (client: EventStoreDBClient, personalData: PersonalData, ...deps: never[]) =>
      new KeyShredder(client, personalData, name, streamPrefix, after?.afterErasure(...deps)),
  };
}
