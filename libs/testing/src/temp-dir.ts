import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Under the Jest run's own folder, removed with the run (test/jest/temp-root.setup.js), or the system's otherwise. */
export function tempRoot(): string {
  return process.env.TEST_TEMP_ROOT ?? tmpdir();
}

export async function withTempDir<T>(prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tempRoot(), `${prefix}-`));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tempRoot(), `${prefix}-`));
}
