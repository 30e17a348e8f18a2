import { randomUUID } from 'node:crypto';
import { type KeyValueMap } from '../shared/claim-ledger';
/**
 * Attempts are recorded one document (or entry) each, and counted over a window: an insert is never lost, so 50
 * parallel attempts count as 50 on MongoDB, FerretDB and in memory alike.
 */
export interface ThrottleStore {
  /** Records an attempt and returns its id and how many attempts the key has in (at - windowMs, at]. */
  recordAttempt(key: string, at: Date, windowMs: number): Promise<{ attemptId: string; count: number }>;
  /** Forgets one attempt (it succeeded, so it was not a failure). */
  removeAttempt(key: string, attemptId: string): Promise<void>;
  /** Forgets every attempt of the key (successful login on the account). */
  clear(key: string): Promise<void>;
  lock(key: string, until: Date): Promise<void>;
  unlock(key: string): Promise<void>;
  lockedUntil(key: string, at: Date): Promise<Date | undefined>;
}

/**
 * In one process (its maps may be kept under the data dir, see data-dir-stores). Each key's attempts are replaced
 * as a whole on every change, so a journaled map records them.
 */
export class InMemoryThrottleStore implements ThrottleStore {
  constructor(
    /** key -> [attempt id, epoch ms] within the window */
    private readonly attempts: KeyValueMap<[string, number][]> = new Map(),
    /** key -> locked until (epoch ms) */
    private readonly locks: KeyValueMap<number> = new Map(),
  ) {}

  recordAttempt(key: string, at: Date, windowMs: number): Promise<{ attemptId: string; count: number }> {
    const since = at.getTime() - windowMs;
    const attemptId = randomUUID();
    const recent = (this.attempts.get(key) ?? []).filter(([, time]) => time > since);
    recent.push([attemptId, at.getTime()]);
    this.attempts.set(key, recent);
    return Promise.resolve({ attemptId, count: recent.length });
  }

  removeAttempt(key: string, attemptId: string): Promise<void> {
    const attempts = this.attempts.get(key);
    if (attempts?.some(([id]) => id === attemptId))
      this.attempts.set(
        key,
        attempts.filter(([id]) => id !== attemptId),
      );
    return Promise.resolve();
  }

  clear(key: string): Promise<void> {
    this.attempts.delete(key);
    return Promise.resolve();
  }

  lock(key: string, until: Date): Promise<void> {
    const current = this.locks.get(key);
    if (current === undefined || current < until.getTime()) this.locks.set(key, until.getTime());
    return Promise.resolve();
  }

  unlock(key: string): Promise<void> {
    this.locks.delete(key);
    return Promise.resolve();
  }

  lockedUntil(key: string, at: Date): Promise<Date | undefined> {
    const until = this.locks.get(key);
    if (until === undefined) return Promise.resolve(undefined);
    if (until <= at.getTime()) {
      this.locks.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(new Date(until));
  }
}
