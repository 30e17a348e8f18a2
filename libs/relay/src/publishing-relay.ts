import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type Provider,
} from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { EVENT_STORE_CLIENT, EventStoreCheckpointStore, type RunningSubscription } from '@app/event-store';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { startEventRelay } from './event-relay';
import { publicEventMessages, type PublicEventMapping } from './public-event-messages';

/**
 * A service's relay as a Nest provider: follows its aggregate streams from the checkpoint kept in the event store and
 * publishes them as public events, from start-up to shutdown. Provide it with a factory, one per service.
 */
export class PublishingRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private relay: RunningSubscription | undefined;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly bus: MessageBus,
    private readonly mapping: PublicEventMapping,
  ) {
    this.logger = new Logger(`${mapping.service}-relay`);
  }

  onApplicationBootstrap(): void {
    this.relay = startEventRelay({
      name: `${this.mapping.service}-relay`,
      client: this.client,
      checkpoints: new EventStoreCheckpointStore(this.client),
      streamPrefixes: [this.mapping.streamPrefix],
      toMessages: publicEventMessages(this.mapping),
      publish: (messages) => this.bus.publish(messages),
      onError: (error) => this.logger.warn(`relay will retry from its last position: ${String(error)}`),
    });
  }

  /** Before the bus and the event-store client close, so the batch in hand is published and checkpointed. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}

/** The relay of one service, on the module's event-store client and bus. */
export function publishingRelayProvider(mapping: PublicEventMapping): Provider {
  return {
    provide: PublishingRelay,
    inject: [EVENT_STORE_CLIENT, MESSAGE_BUS],
    useFactory: (client: EventStoreDBClient, bus: MessageBus) => new PublishingRelay(client, bus, mapping),
  };
}
