import { join } from 'node:path';
import { exitOf, makeTempDir } from '@app/testing';

/** A service given a bad setting, or an unreachable dependency, says which in one line and exits 1. */
describe('a service that cannot start', () => {
  const start = async (env: NodeJS.ProcessEnv) =>
    exitOf(join(__dirname, 'main.ts'), {
      DATA_DIR: await makeTempDir('startup'),
      EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:1?tls=false',
      LOG_LEVEL: 'fatal',
      ...env,
    });

  it('names a malformed setting', async () => {
    expect(await start({ KAFKA_TOPIC_PARTITIONS: 'many' })).toEqual({
      code: 1,
      lines: ['gateway: cannot start: KAFKA_TOPIC_PARTITIONS must be a positive integer, got "many"'],
    });
  }, 60_000);

  it('names the setting of a dependency it cannot reach, without a stack trace', async () => {
    const { code, lines } = await start({ MONGO_URL: 'mongodb://127.0.0.1:1/' });
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^gateway: cannot start: MONGO_URL: .*ECONNREFUSED 127\.0\.0\.1:1/),
    ]);
  }, 60_000);
});
