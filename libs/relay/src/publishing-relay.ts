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
  STORED_DATA_PROTECTION,
  type StoredDataProtection,
  StreamLease,
  leaseHolderId,
  type RunningSubscription,
} from '@app/event-store';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { relayLeader } from '@app/metrics';
import { startEventRelay } from './event-relay';
import { publicEventMessages, type PublicEventMapping } from './public-event-messages';

/**
 * A service's relay as a Nest provider: follows its aggregate streams from the checkpoint kept in the event store and
 * publishes them as public events, from start-up to shutdown. Of several replicas of a service only the holder of the
 * relay's lease publishes, so each event goes out once; when it stops, it hands the lease over. Provide it with a
 * factory, one per service.
 */
export class PublishingRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private readonly name: string;
  private readonly lease: StreamLease;
  private relay: RunningSubscription | undefined;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly bus: MessageBus,
    private readonly mapping: PublicEventMapping,
    leaseMs: number = relayLeaseMs(),
    private readonly protection?: StoredDataProtection,
  ) {
    this.name = `${mapping.service}-relay`;
    this.logger = new Logger(this.name);
    this.lease = new StreamLease({
      client,
      name: this.name,
      holder: leaseHolderId(),
      ttlMs: leaseMs,
      onAcquired: () => this.lead(),
      onLost: () => this.follow(),
      onError: (error) => this.logger.warn(`relay lease: ${String(error)}`),
    });
  }

  get isLeader(): boolean {
    return this.lease.isLeader;
  }

  onApplicationBootstrap(): void {
    this.lease.start();
  }

  /** Before the bus and the event-store client close, so the batch in hand is published and checkpointed. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.lease.stop();
  }

  private lead(): void {
    this.logger.log('leads: publishing from the checkpoint');
    relayLeader.set({ relay: this.name }, 1);
    this.relay = startEventRelay({
      name: this.name,
      client: this.client,
      checkpoints: new EventStoreCheckpointStore(this.client),
      streamPrefixes: [this.mapping.streamPrefix],
      toMessages: publicEventMessages(this.mapping, (error, envelope) =>
        this.logger.error(
          `event ${envelope.id} (${envelope.subject}, revision ${envelope.revision}) set aside on ${this.mapping.topic}.dlq: ${error.message}`,
        ),
      ),
      ...(this.protection ? { protection: this.protection } : {}),
      publish: (messages) => this.bus.publish(messages),
      onError: (error) => this.logger.warn(`relay will retry from its last position: ${String(error)}`),
    });
  }

  private async follow(): Promise<void> {
    relayLeader.set({ relay: this.name }, 0);
    const relay = this.relay;
    this.relay = undefined;
    await relay?.stop();
    this.logger.log('stopped publishing');
  }
}

/** `RELAY_LEASE_MS`: how long a relay lease nobody renews blocks the other replicas (default 10 s). */
export function relayLeaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.RELAY_LEASE_MS;
  if (raw === undefined || raw === '') return 10_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 300)
    throw new Error(`RELAY_LEASE_MS must be a whole number of milliseconds >= 300, got "${raw}"`);
  return value;
}

/** The relay of one service, on the module's event-store client and bus. */
export function publishingRelayProvider(mapping: PublicEventMapping): Provider {
  return {
    provide: PublishingRelay,
    inject: [EVENT_STORE_CLIENT, MESSAGE_BUS, { token: STORED_DATA_PROTECTION, optional: true }],
    useFactory: (client: EventStoreDBClient, bus: MessageBus, protection?: StoredDataProtection) =>
      new PublishingRelay(client, bus, mapping, relayLeaseMs(), protection),
  };
}
