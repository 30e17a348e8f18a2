import { chmod, mkdir } from 'node:fs/promises';

/**
 * A folder only its owner can read (0700), with `files` in it narrowed to 0600: made if missing, and narrowed if an
 * earlier release made them wider (`mode` on mkdir and writes applies only to what they create).
 */
export async function privateFolder(dir: string, files: readonly string[] = []): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  for (const file of files)
    await chmod(file, 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
}
