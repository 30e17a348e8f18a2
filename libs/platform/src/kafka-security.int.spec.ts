import { randomUUID } from 'node:crypto';
import { createMessageBus, type MessageBus } from '@app/messaging';
import { describeIf, infraEnv, waitFor } from '@app/testing';
import { messagingOptionsOf } from './infrastructure.module';
import { readInfrastructureConfig } from './service-config';

/**
 * The settings a service reads (KAFKA_SSL_CA_FILE, KAFKA_SASL_*) against the test broker's TLS listener that signs in
 * with SCRAM-SHA-512 (scripts/infra): the bus works with the right ones and is refused with wrong ones.
 */
describeIf(infraEnv.kafkaSaslSsl)('Kafka over TLS with SASL sign-in, from the service settings', () => {
  const secured = infraEnv.kafkaSaslSsl!;
  const settings = (overrides: Record<string, string> = {}) => ({
    KAFKA_BROKERS: secured.brokers.join(','),
    KAFKA_SSL_CA_FILE: secured.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: secured.username,
    KAFKA_SASL_PASSWORD: secured.password,
    ...overrides,
  });
  const busFrom = (env: Record<string, string>): MessageBus =>
    createMessageBus(
      messagingOptionsOf(readInfrastructureConfig(env), `secured-${randomUUID().slice(0, 8)}`),
    );
  const buses: MessageBus[] = [];
  afterAll(async () => {
    for (const bus of buses) await bus.close().catch(() => undefined);
  });

  it('creates a topic, publishes and consumes through the signed-in TLS connection', async () => {
    const bus = busFrom(settings());
    buses.push(bus);
    const topic = `secured.${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ topic }]);
    const received: string[] = [];
    const subscription = await bus.subscribe({
      groupId: `secured-${randomUUID().slice(0, 8)}`,
      topics: [topic],
      fromBeginning: true,
      handler: async (message) => void received.push(message.value.toString()),
    });
    try {
      await bus.publish([{ topic, key: 'k', value: Buffer.from('over tls'), headers: {} }]);
      await waitFor(() => (received.length > 0 ? received : undefined), { timeoutMs: 30_000 });
      expect(received).toEqual(['over tls']);
    } finally {
      await subscription.close();
    }
  });

  it.each([
    [
      'a wrong password',
      { KAFKA_SASL_PASSWORD: 'not-the-password' },
      /SASL SCRAM SHA512 authentication failed/,
    ],
    [
      'no sign-in at all',
      { KAFKA_SASL_MECHANISM: '', KAFKA_SASL_USERNAME: '', KAFKA_SASL_PASSWORD: '' },
      /Closed connection/,
    ],
    [
      'a broker certificate it does not trust',
      { KAFKA_SSL_CA_FILE: '', KAFKA_SSL: 'true' },
      /self-signed certificate/,
    ],
  ])('is refused with %s', async (_case, overrides, reason) => {
    const bus = busFrom(settings(overrides));
    buses.push(bus);
    await expect(bus.ensureTopics([{ topic: `refused.${randomUUID().slice(0, 8)}` }])).rejects.toThrow(
      reason,
    );
  });
});
