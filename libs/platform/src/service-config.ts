import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where a service finds its infrastructure. Absent settings select the embedded default: the embedded event store,
 * the in-process bus and in-memory read models, with data under DATA_DIR.
 */
export interface InfrastructureConfig {
  readonly dataDir: string;
  readonly eventStoreConnectionString?: string;
  readonly kafkaBrokers?: readonly string[];
  /** TLS and SASL towards the brokers (KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SASL_*); absent: plaintext. */
  readonly kafkaSecurity?: KafkaSecurity;
  readonly mongoUrl?: string;
  readonly topicPartitions: number;
  readonly topicReplicationFactor: number;
  /** Messages handled at once per partition, for different keys (each key stays in order): KAFKA_KEY_CONCURRENCY. */
  readonly keyConcurrency: number;
  /** How late past its deadline a request is still served (the hosts' clocks may disagree): REQUEST_DEADLINE_GRACE_MS. */
  readonly requestDeadlineGraceMs: number;
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
    ...kafkaSecurityOf(env),
    ...(env.MONGO_URL ? { mongoUrl: env.MONGO_URL } : {}),
    topicPartitions: positiveInt(env.KAFKA_TOPIC_PARTITIONS, 3, 'KAFKA_TOPIC_PARTITIONS'),
    topicReplicationFactor: positiveInt(
      env.KAFKA_TOPIC_REPLICATION_FACTOR,
      1,
      'KAFKA_TOPIC_REPLICATION_FACTOR',
    ),
    keyConcurrency: positiveInt(env.KAFKA_KEY_CONCURRENCY, 16, 'KAFKA_KEY_CONCURRENCY'),
    requestDeadlineGraceMs: positiveInt(env.REQUEST_DEADLINE_GRACE_MS, 5_000, 'REQUEST_DEADLINE_GRACE_MS'),
  };
}

export interface KafkaSecurity {
  /** TLS, with the CA bundle that signs the brokers' certificates when it is not a public one. */
  readonly ssl?: { readonly ca?: string };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
}

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

function kafkaSecurityOf(env: NodeJS.ProcessEnv): { kafkaSecurity?: KafkaSecurity } {
  const caFile = env.KAFKA_SSL_CA_FILE || undefined;
  const ssl = flag(env.KAFKA_SSL, caFile !== undefined, 'KAFKA_SSL');
  if (!ssl && caFile) throw new Error('KAFKA_SSL_CA_FILE is set but KAFKA_SSL is false');
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase() || undefined;
  if (mechanism === undefined && (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD))
    throw new Error('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM');
  if (mechanism !== undefined && !(SASL_MECHANISMS as readonly string[]).includes(mechanism))
    throw new Error(`KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')}, got "${mechanism}"`);
  if (mechanism !== undefined && (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD))
    throw new Error('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
  if (!ssl && mechanism === undefined) return {};
  return {
    kafkaSecurity: {
      ...(ssl ? { ssl: caFile ? { ca: readSetting(caFile, 'KAFKA_SSL_CA_FILE') } : {} } : {}),
      ...(mechanism
        ? {
            sasl: {
              mechanism: mechanism as (typeof SASL_MECHANISMS)[number],
              username: env.KAFKA_SASL_USERNAME!,
              password: env.KAFKA_SASL_PASSWORD!,
            },
          }
        : {}),
    },
  };
}

function readSetting(path: string, name: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

/**
 * REQUIRE_CONFIGURED_SECRETS: `true` where secrets must come from the environment and nothing may be generated. A
 * value other than true or false stops the service: read loosely, a `1` or `yes` would quietly generate secrets.
 */
export function configuredSecretsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return flag(env.REQUIRE_CONFIGURED_SECRETS, false, 'REQUIRE_CONFIGURED_SECRETS');
}

/** `true` or `false` (any case); absent or empty: the fallback. Anything else is refused, never guessed. */
export function flag(raw: string | undefined, fallback: boolean, name: string): boolean {
  if (raw === undefined || raw === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

export function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
