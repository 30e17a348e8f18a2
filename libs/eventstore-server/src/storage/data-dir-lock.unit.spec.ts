import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { withTempDir } from '@app/testing';
import { DataDirLockedError } from './data-dir-lock';
import { EventLogFile } from './event-log-file';

const openLog = (dir: string) => EventLogFile.open(dir, false, () => undefined);
const lockFile = (dir: string) => join(dir, 'events.log.lock');

describe('one event store per data directory', () => {
  it('a second server on the same data directory is refused until the first one closes', async () => {
    await withTempDir('lock', async (dir) => {
      const first = await openLog(dir);
      expect(await readFile(lockFile(dir), 'utf8')).toBe(`${hostname()} pid ${process.pid}`);
      const refused = await openLog(dir).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DataDirLockedError);
      expect((refused as Error).message).toContain(`${dir} is in use by another server`);
      await first.log.close();
      const second = await openLog(dir);
      await second.log.close();
    });
  });

  it('a lock held by a live process on this host refuses; once that process is gone it is taken over', async () => {
    await withTempDir('lock', async (dir) => {
      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        await writeFile(lockFile(dir), `${hostname()} pid ${other.pid}`);
        await expect(openLog(dir)).rejects.toThrow(`pid ${other.pid}`);
      } finally {
        other.kill('SIGKILL');
        await once(other, 'exit');
      }
      const taken = await openLog(dir);
      expect(await readFile(lockFile(dir), 'utf8')).toBe(`${hostname()} pid ${process.pid}`);
      await taken.log.close();
    });
  });

  it('a lock left on another host (a pod moved to another node) is taken over', async () => {
    await withTempDir('lock', async (dir) => {
      await writeFile(lockFile(dir), 'another-node-7f9c pid 1');
      const taken = await openLog(dir);
      await taken.log.close();
    });
  });
});
