import { type ThrottleStore } from './throttle.store';

export interface ThrottleLimit {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

export interface LoginThrottleOptions {
  /** Per account (normalized e-mail, known or not): default 5 failures in 15 min -> locked 15 min. */
  readonly account?: ThrottleLimit;
  /** Per client IP: default 100 failures in 15 min -> locked 15 min. */
  readonly ip?: ThrottleLimit;
  /**
   * What the store keeps for an account instead of its address: a keyed hash (the address's key id), so that the
   * store, which erasure does not reach, names nobody. The address itself when not given (tests).
   */
  readonly accountKeyOf?: (email: string) => string;
  readonly now?: () => number;
}

export type ThrottleDecision =
  | { readonly allowed: true; readonly attempt: LoginAttempt }
  /** Locked until then; or, without a date, refused only because as many attempts as allowed are being checked. */
  | { readonly allowed: false; readonly lockedUntil?: Date };

export interface LoginAttempt {
  /** The password was right: this attempt was no failure, and the account's count starts over. */
  succeeded(): Promise<void>;
  /** The password was wrong: the attempt stays counted and may lock. */
  failed(): Promise<void>;
  /** Nothing was checked after all (the request was refused for another reason): the attempt is no longer counted. */
  withdrawn(): Promise<void>;
}

const MINUTES_15 = 15 * 60_000;

/**
 * Counts an attempt *before* the password is checked, so parallel guesses cannot all slip in before the count
 * catches up: the k-th attempt recorded sees a count of at least k, hence at most `maxFailures` attempts per window
 * ever reach the password check, however many race. The `maxFailures`-th failure locks.
 */
export class LoginThrottle {
  private readonly account: ThrottleLimit;
  private readonly ip: ThrottleLimit;
  private readonly now: () => number;
  private readonly accountKeyOf: (email: string) => string;

  constructor(
    private readonly store: ThrottleStore,
    options: LoginThrottleOptions = {},
  ) {
    this.account = options.account ?? { maxFailures: 5, windowMs: MINUTES_15, lockMs: MINUTES_15 };
    this.ip = options.ip ?? { maxFailures: 100, windowMs: MINUTES_15, lockMs: MINUTES_15 };
    this.now = options.now ?? Date.now;
    this.accountKeyOf = options.accountKeyOf ?? ((email) => email);
  }

  begin(accountKey: string, ip?: string): Promise<ThrottleDecision> {
    return this.attempt(`account:${this.accountKeyOf(accountKey)}`, ip);
  }

  /**
   * A second-factor code for an account (at sign-in, or turning two-factor off): counted apart from its passwords, as
   * an account is, under a key no address given at sign-in can name.
   */
  beginSecondFactor(userId: string): Promise<ThrottleDecision> {
    return this.attempt(`second-factor:${userId}`);
  }

  private async attempt(accountStoreKey: string, ip?: string): Promise<ThrottleDecision> {
    const at = new Date(this.now());
    const keys: Array<[string, ThrottleLimit]> = [[accountStoreKey, this.account]];
    if (ip) keys.push([`ip:${ip}`, this.ip]);

    const locks = await Promise.all(keys.map(([key]) => this.store.lockedUntil(key, at)));
    const lockedUntil = latest(locks);
    if (lockedUntil) return { allowed: false, lockedUntil };

    const recorded = await Promise.all(
      keys.map(([key, limit]) => this.store.recordAttempt(key, at, limit.windowMs)),
    );
    // Over the limit, this attempt is refused, but only failures lock: attempts still being checked may all turn out
    // right (a client signing in from several tabs at once must not lock its own account).
    // Refused unchecked, it does not count: stores that count concurrent attempts loosely (each may see them all)
    // would otherwise keep a burst of right passwords in the window as if they had failed.
    if (keys.some(([, limit], i) => recorded[i]!.count > limit.maxFailures)) {
      await Promise.all(keys.map(([key], i) => this.store.removeAttempt(key, recorded[i]!.attemptId)));
      return { allowed: false };
    }

    const [accountKeyName] = keys[0]!;
    return {
      allowed: true,
      attempt: {
        succeeded: async () => {
          await Promise.all(keys.map(([key], i) => this.store.removeAttempt(key, recorded[i]!.attemptId)));
          await this.store.clear(accountKeyName);
        },
        withdrawn: async () => {
          await Promise.all(keys.map(([key], i) => this.store.removeAttempt(key, recorded[i]!.attemptId)));
        },
        failed: async () => {
          const reached = keys.filter(([, limit], i) => recorded[i]!.count >= limit.maxFailures);
          if (reached.length > 0) await this.lockAll(reached, new Date(this.now()));
        },
      },
    };
  }

  /** For operators and tests: when the account or IP is locked until, if it is. */
  async lockedUntil(accountKey: string, ip?: string): Promise<Date | undefined> {
    const at = new Date(this.now());
    return latest(
      await Promise.all([
        this.store.lockedUntil(`account:${this.accountKeyOf(accountKey)}`, at),
        ...(ip ? [this.store.lockedUntil(`ip:${ip}`, at)] : []),
      ]),
    );
  }

  /** An administrator unlocks an account (also forgets its failures). */
  async reset(accountKey: string): Promise<void> {
    await this.store.clear(`account:${this.accountKeyOf(accountKey)}`);
    await this.store.unlock(`account:${this.accountKeyOf(accountKey)}`);
  }

  private async lockAll(keys: Array<[string, ThrottleLimit]>, at: Date): Promise<Date> {
    const untils = keys.map(([, limit]) => new Date(at.getTime() + limit.lockMs));
    await Promise.all(keys.map(([key], i) => this.store.lock(key, untils[i]!)));
    return latest(untils)!;
  }
}

function latest(dates: ReadonlyArray<Date | undefined>): Date | undefined {
  let result: Date | undefined;
  for (const date of dates) if (date && (!result || date > result)) result = date;
  return result;
}
