/**
 * "First one wins" for anything single-use (a refresh token, a one-time link, a TOTP time step, a recovery code):
 * a claim succeeds for exactly one caller per key, however many race. The MongoDB adapter relies on the unique `_id`
 * of an insert rather than on a conditional update, because FerretDB v1 applies conditional updates as a read then
 * a write, while a duplicate `_id` is refused atomically by every MongoDB-protocol server.
 */
export interface ClaimLedger {
  claim(key: string, at: Date, expiresAt?: Date): Promise<boolean>;
  /** Whether someone claimed `key` (and the claim has not expired away). */
  isClaimed(key: string): Promise<boolean>;
}

/** The part of a Map the in-process stores use: a plain Map, or a JournalMap that keeps it under the data dir. */
export interface KeyValueMap<T> extends Iterable<[string, T]> {
  readonly size: number;
  get(key: string): T | undefined;
  has(key: string): boolean;
  set(key: string, value: T): unknown;
  delete(key: string): boolean;
  values(): IterableIterator<T>;
  /** Where it is kept on disk: rewritten now, so that nothing deleted stays behind in it (an erased account's). */
  forgetDeleted?(): void;
}

/** In one process: a Map of claims and their expiry (epoch ms, or null for never), swept once it grows. */
export class InMemoryClaimLedger implements ClaimLedger {
  constructor(private readonly claimed: KeyValueMap<number | null> = new Map()) {}

  claim(key: string, at: Date, expiresAt?: Date): Promise<boolean> {
    this.sweep(at);
    if (this.claimed.has(key)) return Promise.resolve(false);
    this.claimed.set(key, expiresAt ? expiresAt.getTime() : null);
    return Promise.resolve(true);
  }

  isClaimed(key: string): Promise<boolean> {
    return Promise.resolve(this.claimed.has(key));
  }

  private sweep(now: Date): void {
    if (this.claimed.size < 10_000) return;
    for (const [key, expiresAt] of [...this.claimed])
      if (expiresAt !== null && expiresAt <= now.getTime()) this.claimed.delete(key);
  }
}
