import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { withTempDir } from '@app/testing';
import { DataDirLockedError } from './data-dir-lock';
import { EventLogFile } from './event-log-file';

const openLog = (dir: string) => EventLogFile.open(dir, false, () => undefined);
const lockFile = (dir: string) => join(dir, 'events.log.lock');
const mine = new RegExp(`^${hostname()} pid ${process.pid} [0-9a-f-]{36}$`);
/** As if the holder stopped touching its lock `seconds` ago. */
const untouchedFor = (dir: string, seconds: number) => {
  const then = new Date(Date.now() - seconds * 1000);
  return utimes(lockFile(dir), then, then);
};

describe('one event store per data directory', () => {
  it('a second server on the same data directory is refused until the first one closes', async () => {
    await withTempDir('lock', async (dir) => {
      const first = await openLog(dir);
      expect(await readFile(lockFile(dir), 'utf8')).toMatch(mine);
      const refused = await openLog(dir).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DataDirLockedError);
      expect((refused as Error).message).toContain(`${dir} is in use by another server`);
      await first.log.close();
      const second = await openLog(dir);
      await second.log.close();
    });
  });

  it('closing twice leaves the lock of the server that opened since', async () => {
    await withTempDir('lock', async (dir) => {
      const first = await openLog(dir);
      await first.log.close();
      const second = await openLog(dir);
      const held = await readFile(lockFile(dir), 'utf8');
      await first.log.close().catch(() => undefined);
      expect(await readFile(lockFile(dir), 'utf8')).toBe(held);
      await expect(openLog(dir)).rejects.toBeInstanceOf(DataDirLockedError);
      await second.log.close();
    });
  });

  it('a lock held by a live process on this host refuses; once that process is gone it is taken over', async () => {
    await withTempDir('lock', async (dir) => {
      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        await writeFile(lockFile(dir), `${hostname()} pid ${other.pid} 7d1e`);
        await expect(openLog(dir)).rejects.toThrow(`pid ${other.pid}`);
      } finally {
        other.kill('SIGKILL');
        await once(other, 'exit');
      }
      const taken = await openLog(dir);
      expect(await readFile(lockFile(dir), 'utf8')).toMatch(mine);
      await taken.log.close();
    });
  });

  it('a lock from another host, or one that names nobody, holds until its holder stops renewing it', async () => {
    await withTempDir('lock', async (dir) => {
      for (const held of ['another-node-7f9c pid 1 9a0b', '']) {
        await writeFile(lockFile(dir), held);
        await expect(openLog(dir)).rejects.toBeInstanceOf(DataDirLockedError);
        await untouchedFor(dir, 25);
        await expect(openLog(dir)).rejects.toBeInstanceOf(DataDirLockedError);
        await untouchedFor(dir, 31);
        const taken = await openLog(dir);
        expect(await readFile(lockFile(dir), 'utf8')).toMatch(mine);
        await taken.log.close();
      }
    });
  });
});
