import { Inject, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { topicSpecs } from '@app/contracts';
import { EVENT_STORE_CLIENT, EventStoreModule, pingEventStore } from '@app/event-store';
import { type Logger } from 'pino';
import {
  MESSAGE_BUS,
  MessagingModule,
  type ConsumerCrash,
  type MessageBus,
  type MessagingModuleOptions,
} from '@app/messaging';
import { createLogger } from './logger';
import { type InfrastructureConfig } from './service-config';
import { READ_STORE, ReadStoreModule, type ReadStore } from '@app/read-store';
import { HealthModule, type ReadinessCheck } from './health';
import { MetricsModule } from './metrics';
import { type ResolvedInfrastructure } from './service-main';
import { PersonalDataModule } from './personal-data.module';
import { type PersonalData, type SealingRules } from '@app/personal-data';

export interface ServiceInfrastructureOptions {
  readonly service: string;
  /** Topics this service produces or consumes; created (with their DLQs) at start-up, never auto-created. */
  readonly topics: readonly string[];
  /** Whether the service keeps documents in MongoDB (read models, secrets). */
  readonly readStore: boolean;
  /** Which personal fields of the events this service writes are sealed, and for whom. */
  readonly sealing?: (personalData: PersonalData) => SealingRules;
}

const TOPICS_TO_CREATE = Symbol('TOPICS_TO_CREATE');

class TopicsAtStartup implements OnModuleInit {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(TOPICS_TO_CREATE) private readonly specs: ReturnType<typeof topicSpecs>,
  ) {}
  async onModuleInit(): Promise<void> {
    await this.bus.ensureTopics(this.specs);
  }
}

/** The bus a service gets: Kafka as configured (brokers, topic defaults, TLS and SASL), else the in-process bus. */
export function messagingOptionsOf(infra: InfrastructureConfig, service: string): MessagingModuleOptions {
  return {
    ...(infra.kafkaBrokers
      ? {
          kafka: {
            brokers: infra.kafkaBrokers,
            clientId: service,
            topicDefaults: {
              partitions: infra.topicPartitions,
              replicationFactor: infra.topicReplicationFactor,
            },
            ...infra.kafkaSecurity,
            onConsumerCrash: logConsumerCrash(service),
          },
        }
      : {}),
    keyConcurrency: infra.keyConcurrency,
    requestDeadlineGraceMs: infra.requestDeadlineGraceMs,
  };
}

function logConsumerCrash(service: string): (crash: ConsumerCrash) => void {
  let logger: Logger | undefined;
  return ({ groupId, error, restartedBy, restartInMs }) => {
    logger ??= createLogger(service);
    logger.warn(
      { groupId, err: error, restartedBy, ...(restartInMs === undefined ? {} : { restartInMs }) },
      'a Kafka consumer stopped on an error; it is started again',
    );
  };
}

/**
 * A service's connections to its real dependencies, each also a readiness check: the event store always, the bus,
 * and the read store where the service has one. Which adapter backs each comes from the infrastructure settings.
 */
@Module({})
export class ServiceInfrastructureModule {
  static register(infra: ResolvedInfrastructure, options: ServiceInfrastructureOptions): DynamicModule {
    const checks: { token: symbol; check: (dep: never) => ReadinessCheck }[] = [
      {
        token: EVENT_STORE_CLIENT,
        check: (client: EventStoreDBClient) => ({ name: 'eventstore', check: () => pingEventStore(client) }),
      },
      { token: MESSAGE_BUS, check: (bus: MessageBus) => ({ name: 'bus', check: () => bus.ping() }) },
    ];
    if (options.readStore) {
      checks.push({
        token: READ_STORE,
        check: (store: ReadStore) => ({ name: 'readstore', check: () => store.ping() }),
      });
    }
    return {
      module: ServiceInfrastructureModule,
      imports: [
        PersonalDataModule.register(infra, options.sealing),
        EventStoreModule.forRoot(infra.eventStoreConnectionString),
        MessagingModule.forRoot(messagingOptionsOf(infra, options.service)),
        ...(options.readStore
          ? [
              ReadStoreModule.forRoot({
                ...(infra.mongoUrl ? { mongoUrl: infra.mongoUrl } : {}),
                dbName: options.service,
              }),
            ]
          : []),
        MetricsModule,
        HealthModule.forChecks({
          inject: checks.map((c) => c.token),
          useFactory: (...deps: never[]) => checks.map((c, i) => c.check(deps[i]!)),
        }),
      ],
      providers: [
        {
          provide: TOPICS_TO_CREATE,
          useValue: topicSpecs(options.topics, {
            partitions: infra.topicPartitions,
            replicationFactor: infra.topicReplicationFactor,
          }),
        },
        TopicsAtStartup,
      ],
    };
  }
}
