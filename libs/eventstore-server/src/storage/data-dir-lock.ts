import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { link, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    holder: string,
  ) {
    super(
      `the event store's data directory ${dataDir} is in use by another server (${holder || 'unnamed'}). Refusing ` +
        `to start: two servers writing one log would overwrite each other's events. If no server runs there, ` +
        `remove ${join(dataDir, LOCK_FILE)}.`,
    );
    this.name = 'DataDirLockedError';
  }
}

const LOCK_FILE = 'events.log.lock';
/** The holder touches its lock this often; a lock untouched for `LEASE_MS` belongs to a server that is gone. */
const RENEW_MS = 5_000;
const LEASE_MS = 30_000;
/** Locks this process holds: a second server in the same process is refused like one in another. */
const heldHere = new Set<string>();

/**
 * One server per data directory: records are written at their place in the log, so a second server would overwrite
 * acknowledged events, and its recovery could cut what the first is writing. The lock is a file naming the host and
 * process that hold it, touched every few seconds while held (a lease). One left behind is taken over when its
 * lease ran out, at once when its process is gone from this host, or when it names this very process number (a
 * restarted container). Creating it and taking it over are single link/rename steps, so two servers starting
 * together cannot both hold it.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE);
  const me = `${hostname()} pid ${process.pid} ${randomUUID()}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createWith(path, me)) return holding(path, me);
    const seen = await readLock(path);
    if (!seen) continue;
    if (heldHere.has(path) || !abandoned(seen)) throw new DataDirLockedError(dataDir, holderOf(seen.content));
    // Moved aside, not removed by name: what is moved must be the very lock judged abandoned.
    const aside = `${path}.${randomUUID()}.abandoned`;
    if (
      !(await rename(path, aside).then(
        () => true,
        () => false,
      ))
    )
      continue;
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== seen.content) {
      await link(aside, path).catch(() => undefined);
      await rm(aside, { force: true });
      throw new DataDirLockedError(dataDir, holderOf(moved));
    }
    await rm(aside, { force: true });
  }
  throw new DataDirLockedError(dataDir, 'a server that took the lock while this one started');
}

/** Writes the lock whole before it exists under its name: nobody ever reads a half-written one. */
async function createWith(path: string, content: string): Promise<boolean> {
  const draft = `${path}.${randomUUID()}.draft`;
  await writeFile(draft, content);
  try {
    await link(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(draft, { force: true });
  }
}

async function readLock(path: string): Promise<{ content: string; touchedMs: number } | undefined> {
  try {
    const [content, stats] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { content, touchedMs: stats.mtimeMs };
  } catch {
    return undefined;
  }
}

function abandoned(lock: { content: string; touchedMs: number }): boolean {
  if (Date.now() - lock.touchedMs > LEASE_MS) return true;
  const match = /^(\S+) pid (\d+) /.exec(lock.content);
  if (!match || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

const holderOf = (content: string): string => content.split(' ').slice(0, 3).join(' ');

function holding(path: string, me: string): () => Promise<void> {
  heldHere.add(path);
  const renew = setInterval(() => {
    const now = new Date();
    void utimes(path, now, now).catch(() => undefined);
  }, RENEW_MS);
  renew.unref();
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    clearInterval(renew);
    heldHere.delete(path);
    // Only our own: a server that took over an expired lease holds it now.
    if ((await readFile(path, 'utf8').catch(() => '')) === me) await rm(path, { force: true });
  };
}
