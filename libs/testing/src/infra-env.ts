/**
 * Which real infrastructure the current test run may use. Contract suites run against the embedded
 * adapters always, and against a real one whenever its connection setting is present.
 */
export const infraEnv = {
  kafkaBrokers: process.env.KAFKA_BROKERS?.split(',').filter(Boolean),
  mongoUrl: process.env.MONGO_URL || undefined,
  eventStoreConnectionString: process.env.EVENTSTORE_CONNECTION_STRING || undefined,
  /** The test broker's TLS + SCRAM listener (scripts/infra), when it runs. */
  kafkaSaslSsl: process.env.KAFKA_TEST_SASL_SSL_BROKERS
    ? {
        brokers: process.env.KAFKA_TEST_SASL_SSL_BROKERS.split(','),
        caFile: process.env.KAFKA_TEST_CA_FILE ?? '',
        username: process.env.KAFKA_TEST_SASL_USERNAME ?? '',
        password: process.env.KAFKA_TEST_SASL_PASSWORD ?? '',
      }
    : undefined,
};

/** `describe` when the setting is present, `describe.skip` otherwise, with a title saying why. */
export function describeIf(condition: unknown): jest.Describe {
  return condition ? describe : describe.skip;
}
