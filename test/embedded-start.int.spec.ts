import { join } from 'node:path';
import { exitOf, freePort, makeTempDir } from '@app/testing';

/** `npm start` that cannot start says what, in one line naming the setting, and exits 1: no stack trace. */
describe('npm start with a bad setting', () => {
  const start = async (env: NodeJS.ProcessEnv) =>
    exitOf(join(__dirname, '../scripts/embedded/start.ts'), {
      DATA_DIR: await makeTempDir('embedded-start'),
      LOG_LEVEL: 'fatal',
      ...env,
    });

  it('names a malformed setting of the platform', async () => {
    expect(await start({ KAFKA_TOPIC_PARTITIONS: 'many' })).toEqual({
      code: 1,
      lines: [
        'identity-platform: cannot start: KAFKA_TOPIC_PARTITIONS must be a positive integer, got "many"',
      ],
    });
  }, 60_000);

  it('refuses a malformed shutdown setting before starting anything', async () => {
    expect(await start({ SHUTDOWN_GRACE_MS: 'soon' })).toEqual({
      code: 1,
      lines: [expect.stringMatching(/^identity-platform: cannot start: SHUTDOWN_GRACE_MS\b/)],
    });
  }, 60_000);

  it('refuses an EVENTSTORE_FSYNC that is not true or false, rather than reading it as true', async () => {
    expect(await start({ EVENTSTORE_FSYNC: 'no' })).toEqual({
      code: 1,
      lines: ['identity-platform: cannot start: EVENTSTORE_FSYNC must be true or false, got "no"'],
    });
  }, 60_000);

  it('names the service that could not reach its dependency, and the setting, without a stack trace', async () => {
    const { code, lines } = await start({
      EVENTSTORE_PORT: String(await freePort()),
      MONGO_URL: 'mongodb://127.0.0.1:1/',
    });
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^identity: cannot start: MONGO_URL: .*ECONNREFUSED 127\.0\.0\.1:1/),
    ]);
  }, 60_000);
});
