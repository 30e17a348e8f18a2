import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from '@app/testing';

/** A service given a bad setting, or an unreachable dependency, says which in one line and exits 1. */
describe('a service that cannot start', () => {
  async function start(env: NodeJS.ProcessEnv) {
    const result = await promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, 'main.ts')],
      {
        env: {
          PATH: process.env.PATH,
          DATA_DIR: await makeTempDir('startup'),
          EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:1?tls=false',
          LOG_LEVEL: 'fatal',
          ...env,
        },
        timeout: 60_000,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    return { code: result.code, lines: result.stderr.trim().split('\n') };
  }

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
