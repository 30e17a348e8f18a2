import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { TOPICS } from '@app/contracts';
import { EVENT_STORE_CLIENT, EventStoreCheckpointStore, type RunningSubscription } from '@app/event-store';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { publicEventMessages, startEventRelay } from '@app/relay';
import { IDENTITY_SOURCE } from '../notifying/identity-mail';

/**
 * Publishes the user streams to `identity.user.v1` (key = user id). The e-mail/phone reservation streams are
 * internal and stay unpublished. The checkpoint lives in the event store.
 */
@Injectable()
export class IdentityRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdentityRelay.name);
  private relay: RunningSubscription | undefined;

  constructor(
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  onApplicationBootstrap(): void {
    this.relay = startEventRelay({
      name: 'identity-relay',
      client: this.client,
      checkpoints: new EventStoreCheckpointStore(this.client),
      streamPrefixes: ['user-'],
      toMessages: publicEventMessages({
        service: 'identity',
        topic: TOPICS.identityUsers,
        source: IDENTITY_SOURCE,
        streamPrefix: 'user-',
      }),
      publish: (messages) => this.bus.publish(messages),
      onError: (error) => this.logger.warn(`relay will retry from its last position: ${String(error)}`),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}
