import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempRoot } from '@app/testing';
import { readInfrastructureConfig } from './service-config';

describe('Kafka connection settings', () => {
  const ca = join(tempRoot(), `kafka-ca-${process.pid}.pem`);
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const read = (env: Record<string, string>) => readInfrastructureConfig({ KAFKA_BROKERS: 'k:9093', ...env });

  it('plaintext and anonymous unless TLS or SASL is configured', () => {
    expect(read({}).kafkaSecurity).toBeUndefined();
    expect(read({ KAFKA_SSL: 'false' }).kafkaSecurity).toBeUndefined();
  });

  it('TLS with the public CAs, or with the CA file given (which turns TLS on by itself)', () => {
    expect(read({ KAFKA_SSL: 'true' }).kafkaSecurity).toEqual({ ssl: {} });
    expect(read({ KAFKA_SSL: 'TRUE' }).kafkaSecurity).toEqual({ ssl: {} });
    expect(read({ KAFKA_SSL_CA_FILE: ca }).kafkaSecurity).toEqual({
      ssl: { ca: expect.stringContaining('BEGIN') },
    });
  });

  it('SASL with its mechanism, user and password', () => {
    expect(
      read({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'pw' })
        .kafkaSecurity,
    ).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'pw' } });
  });

  it.each([
    [{ KAFKA_SSL: 'yes' }, 'KAFKA_SSL must be true or false, got "yes"'],
    [{ KAFKA_SSL: 'false', KAFKA_SSL_CA_FILE: ca }, 'KAFKA_SSL_CA_FILE is set but KAFKA_SSL is false'],
    [{ KAFKA_SSL_CA_FILE: '/nowhere/ca.pem' }, 'KAFKA_SSL_CA_FILE: ENOENT'],
    [
      { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      'KAFKA_SASL_MECHANISM must be one of',
    ],
    [
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' },
      'KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
    ],
    [
      { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM',
    ],
  ])('refuses %j, naming the setting', (env, message) => {
    expect(() => read(env)).toThrow(message);
  });
});
