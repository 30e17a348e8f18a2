import { startupFailureLine } from './startup-failure';

class KafkaJSNumberOfRetriesExceeded extends Error {}
class MongooseServerSelectionError extends Error {}

describe('a service that cannot start', () => {
  it('says so in one line naming the setting', () => {
    expect(
      startupFailureLine(
        'membership',
        new Error('KAFKA_TOPIC_PARTITIONS must be a positive integer, got "x"'),
      ),
    ).toBe('membership: cannot start: KAFKA_TOPIC_PARTITIONS must be a positive integer, got "x"');
    const kafka = new KafkaJSNumberOfRetriesExceeded('', {
      cause: new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1'),
    });
    expect(startupFailureLine('membership', kafka)).toBe(
      'membership: cannot start: KAFKA_BROKERS: Connection error: connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(
      startupFailureLine(
        'gateway',
        new MongooseServerSelectionError('connect ECONNREFUSED 10.0.0.9:27017\n  at x'),
      ),
    ).toBe('gateway: cannot start: MONGO_URL: connect ECONNREFUSED 10.0.0.9:27017');
    expect(startupFailureLine('identity', 'plain')).toBe('identity: cannot start: plain');
  });
});
