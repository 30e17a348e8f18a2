import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/**
 * The server runs in its own process, as it does for `npm run eventstore:embedded` and for any client: measuring
 * it inside the client's process would make both share one thread.
 */
export async function startServerProcess(
  dataDir: string,
  options: { fsync?: boolean } = {},
): Promise<{ connectionString: string; pid: number | undefined; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      join(__dirname, '../libs/eventstore-server/src/cli.ts'),
      '--port',
      '0',
      '--data',
      dataDir,
      ...(options.fsync === false ? ['--no-fsync'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  for await (const chunk of child.stdout!) {
    output += String(chunk);
    const match = /esdb:\/\/[^ ]+/.exec(output);
    if (match) {
      return {
        connectionString: match[0],
        pid: child.pid,
        stop: async () => {
          child.kill('SIGTERM');
          await once(child, 'exit');
        },
      };
    }
  }
  throw new Error(`embedded server did not start: ${output}`);
}
