/**
 * A relay in its own process, for the kill test: follows `<prefix>` streams and publishes to Kafka, checkpointing in
 * the event store. Settings come from the environment; it runs until killed.
 */
import { EventStoreCheckpointStore, connectEventStore } from '@app/event-store';
import { KafkaBus } from '@app/messaging';
import { startEventRelay } from '@app/relay';
import { toTestMessages } from './relay-mapping';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} missing`);
  return value;
};
const client = connectEventStore(env('RELAY_ESDB'));
const bus = new KafkaBus({ brokers: env('KAFKA_BROKERS').split(','), clientId: 'relay-kill-test' });
startEventRelay({
  name: env('RELAY_NAME'),
  client,
  checkpoints: new EventStoreCheckpointStore(client),
  streamPrefixes: [env('RELAY_PREFIX')],
  toMessages: toTestMessages(env('RELAY_TOPIC')),
  publish: (messages) => bus.publish(messages),
  maxBatchSize: 100,
  checkpointEveryMs: 50,
  retryDelayMs: 50,
});
process.stdout.write('relay started\n');
