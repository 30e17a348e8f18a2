import { join, resolve } from 'node:path';

/**
 * Where a service finds its infrastructure. Absent settings select the embedded default: the embedded event store,
 * the in-process bus and in-memory read models, with data under DATA_DIR.
 */
export interface InfrastructureConfig {
  readonly dataDir: string;
  readonly eventStoreConnectionString?: string;
  readonly kafkaBrokers?: readonly string[];
  readonly mongoUrl?: string;
  readonly topicPartitions: number;
  readonly topicReplicationFactor: number;
  /** Messages handled at once per partition, for different keys (each key stays in order): KAFKA_KEY_CONCURRENCY. */
  readonly keyConcurrency: number;
}

export function readInfrastructureConfig(env: NodeJS.ProcessEnv = process.env): InfrastructureConfig {
  const brokers = env.KAFKA_BROKERS?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  return {
    dataDir: resolve(env.DATA_DIR ?? join(process.cwd(), '.data')),
    ...(env.EVENTSTORE_CONNECTION_STRING
      ? { eventStoreConnectionString: env.EVENTSTORE_CONNECTION_STRING }
      : {}),
    ...(brokers?.length ? { kafkaBrokers: brokers } : {}),
    ...(env.MONGO_URL ? { mongoUrl: env.MONGO_URL } : {}),
    topicPartitions: positiveInt(env.KAFKA_TOPIC_PARTITIONS, 3, 'KAFKA_TOPIC_PARTITIONS'),
    topicReplicationFactor: positiveInt(
      env.KAFKA_TOPIC_REPLICATION_FACTOR,
      1,
      'KAFKA_TOPIC_REPLICATION_FACTOR',
    ),
    keyConcurrency: positiveInt(env.KAFKA_KEY_CONCURRENCY, 16, 'KAFKA_KEY_CONCURRENCY'),
  };
}

export function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
