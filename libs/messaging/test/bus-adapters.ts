import { randomUUID } from 'node:crypto';
import { InProcessBus, KafkaBus, type MessageBus } from '@app/messaging';
import { infraEnv } from '@app/testing';

/** Every bus implementation available here: in-process always, Kafka when KAFKA_BROKERS is set. */
export function busAdapters(clientIdPrefix: string): [string, () => MessageBus][] {
  const adapters: [string, () => MessageBus][] = [['in-process', () => new InProcessBus()]];
  const brokers = infraEnv.kafkaBrokers;
  if (brokers) {
    adapters.push([
      'kafka',
      () => new KafkaBus({ brokers, clientId: `${clientIdPrefix}-${randomUUID().slice(0, 8)}` }),
    ]);
  }
  return adapters;
}
