import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Runs a TypeScript entry point (`node -r @swc-node/register <script>`) with only `env` (and PATH) to its exit: its exit
 * code and the lines it wrote to stderr. For services and scripts that must refuse to start, in one line.
 */
export async function exitOf(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; lines: string[] }> {
  const result = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', script], {
    env: { PATH: process.env.PATH, ...env },
    timeout: 60_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
  return { code: result.code, lines: result.stderr.trim().split('\n') };
}
