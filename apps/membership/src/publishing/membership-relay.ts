import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { EVENT_STORE_CLIENT, EventStoreCheckpointStore, type RunningSubscription } from '@app/event-store';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { startEventRelay } from '@app/relay';
import { organizationEventMessages } from './organization-event-messages';

/** Publishes the organization streams to `membership.organization.v1`; the checkpoint lives in the event store. */
@Injectable()
export class MembershipRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MembershipRelay.name);
  private relay: RunningSubscription | undefined;

  constructor(
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  onApplicationBootstrap(): void {
    this.relay = startEventRelay({
      name: 'membership-relay',
      client: this.client,
      checkpoints: new EventStoreCheckpointStore(this.client),
      streamPrefixes: ['organization-'],
      toMessages: organizationEventMessages,
      publish: (messages) => this.bus.publish(messages),
      onError: (error) => this.logger.warn(`relay will retry from its last position: ${String(error)}`),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}
