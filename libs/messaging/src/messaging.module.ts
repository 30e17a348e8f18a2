import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { sharedInProcessBus } from './in-process-bus';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';
import { type MessageBus } from './message-bus';
import { DEFAULT_DEADLINE_GRACE_MS } from './request-reply';

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');
/** How late past its deadline a request is still served (clock skew between hosts), in ms: see `serveRequests`. */
export const REQUEST_DEADLINE_GRACE_MS = Symbol('REQUEST_DEADLINE_GRACE_MS');

export interface MessagingModuleOptions {
  /** Kafka when brokers are configured, the process-wide in-process bus otherwise. */
  readonly kafka?: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly topicDefaults?: { readonly partitions: number; readonly replicationFactor: number };
    readonly ssl?: KafkaBusOptions['ssl'];
    readonly sasl?: KafkaBusOptions['sasl'];
    readonly onConsumerCrash?: KafkaBusOptions['onConsumerCrash'];
  };
  /** Messages handled at once per partition for different keys, on either bus (default 16). */
  readonly keyConcurrency?: number;
  /** See REQUEST_DEADLINE_GRACE_MS (default 5 s). */
  readonly requestDeadlineGraceMs?: number;
}

export function createMessageBus(options: MessagingModuleOptions): MessageBus {
  const { keyConcurrency } = options;
  if (options.kafka)
    return new KafkaBus({ ...options.kafka, ...(keyConcurrency === undefined ? {} : { keyConcurrency }) });
  return sharedInProcessBus(keyConcurrency);
}

class MessageBusLifecycle implements OnApplicationShutdown {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}
  async onApplicationShutdown(): Promise<void> {
    // The shared in-process bus outlives one service of the embedded default; its subscriptions close with their owners.
    if (this.bus.kind === 'kafka') await this.bus.close();
  }
}

@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGE_BUS, useFactory: () => createMessageBus(options) },
        {
          provide: REQUEST_DEADLINE_GRACE_MS,
          useValue: options.requestDeadlineGraceMs ?? DEFAULT_DEADLINE_GRACE_MS,
        },
        MessageBusLifecycle,
      ],
      exports: [MESSAGE_BUS, REQUEST_DEADLINE_GRACE_MS],
    };
  }
}
