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

export class InMemoryThrottleStore implements ThrottleStore {
  private readonly attempts = new Map<string, Map<string, number>>();
  private readonly locks = new Map<string, Date>();
  private sequence = 0;

  recordAttempt(key: string, at: Date, windowMs: number): Promise<{ attemptId: string; count: number }> {
    const attempts = this.attempts.get(key) ?? new Map<string, number>();
    this.attempts.set(key, attempts);
    const since = at.getTime() - windowMs;
    for (const [id, time] of attempts) if (time <= since) attempts.delete(id);
    const attemptId = String(++this.sequence);
    attempts.set(attemptId, at.getTime());
    return Promise.resolve({ attemptId, count: attempts.size });
  }

  removeAttempt(key: string, attemptId: string): Promise<void> {
    this.attempts.get(key)?.delete(attemptId);
    return Promise.resolve();
  }

  clear(key: string): Promise<void> {
    this.attempts.delete(key);
    return Promise.resolve();
  }

  lock(key: string, until: Date): Promise<void> {
    const current = this.locks.get(key);
    if (!current || current < until) this.locks.set(key, until);
    return Promise.resolve();
  }

  unlock(key: string): Promise<void> {
    this.locks.delete(key);
    return Promise.resolve();
  }

  lockedUntil(key: string, at: Date): Promise<Date | undefined> {
    const until = this.locks.get(key);
    if (until && until <= at) this.locks.delete(key);
    return Promise.resolve(until && until > at ? until : undefined);
  }
}
