import { hostname } from 'node:os';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    holder: string,
  ) {
    super(
      `the event store's data directory ${dataDir} is in use by another server (${holder}). Refusing to start: two ` +
        `servers writing one log would overwrite each other's events. If no server runs there, remove ` +
        `${join(dataDir, LOCK_FILE)}.`,
    );
    this.name = 'DataDirLockedError';
  }
}

const LOCK_FILE = 'events.log.lock';
/** Locks this process holds: a second server in the same process is refused like one in another. */
const heldHere = new Set<string>();

/**
 * One server per data directory: records are written at their place in the log, so a second server would overwrite
 * acknowledged events, and its recovery could cut what the first is writing. The lock is a file naming the host and
 * process that hold it. One left behind by a server that died is taken over: on this host, when no such process runs
 * or it is this very process number (a restarted container); from another host always, since a pod moved to another
 * node leaves one that nothing else would remove (so two hosts sharing a volume are not kept apart).
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE);
  const me = `${hostname()} pid ${process.pid}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(me);
      await handle.close();
      heldHere.add(path);
      return async () => {
        heldHere.delete(path);
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
      if (heldHere.has(path) || heldElsewhere(holder)) throw new DataDirLockedError(dataDir, holder);
      await rm(path, { force: true });
    }
  }
  throw new DataDirLockedError(dataDir, 'a server that took the lock while this one started');
}

function heldElsewhere(holder: string): boolean {
  const match = /^(.*) pid (\d+)$/.exec(holder);
  if (!match || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
