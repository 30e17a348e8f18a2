import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { sharedInProcessBus } from './in-process-bus';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus';
import { type MessageBus } from './message-bus';

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');

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
      providers: [{ provide: MESSAGE_BUS, useFactory: () => createMessageBus(options) }, MessageBusLifecycle],
      exports: [MESSAGE_BUS],
    };
  }
}
