/**
 * "First one wins" for anything single-use (a refresh token, a one-time link, a TOTP time step, a recovery code):
 * a claim succeeds for exactly one caller per key, however many race. The MongoDB adapter relies on the unique `_id`
 * of an insert rather than on a conditional update, because FerretDB v1 applies conditional updates as a read then
 * a write, while a duplicate `_id` is refused atomically by every MongoDB-protocol server.
 */
export interface ClaimLedger {
  /** `claimant`: who claims it (a request's id), for `claimOf`. */
  claim(key: string, at: Date, expiresAt?: Date, claimant?: string): Promise<boolean>;
  /** Whether someone claimed `key` (and the claim has not expired away). */
  isClaimed(key: string): Promise<boolean>;
  /** Who claimed `key` and when, if the claim named its claimant. */
  claimOf(key: string): Promise<NamedClaim | undefined>;
}

export interface NamedClaim {
  readonly claimant: string;
  readonly at: Date;
}

/** A claim as kept in memory: its expiry (epoch ms, or null for never), with who claimed it when it says. */
type KeptClaim =
  number | null | { readonly expiresAt: number | null; readonly claimant: string; readonly at: number };

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

/** In one process: a Map of claims (see KeptClaim), swept once it grows. */
export class InMemoryClaimLedger implements ClaimLedger {
  constructor(private readonly claimed: KeyValueMap<KeptClaim> = new Map()) {}

  claim(key: string, at: Date, expiresAt?: Date, claimant?: string): Promise<boolean> {
    this.sweep(at);
    if (this.claimed.has(key)) return Promise.resolve(false);
    const expiry = expiresAt ? expiresAt.getTime() : null;
    this.claimed.set(key, claimant ? { expiresAt: expiry, claimant, at: at.getTime() } : expiry);
    return Promise.resolve(true);
  }

  isClaimed(key: string): Promise<boolean> {
    return Promise.resolve(this.claimed.has(key));
  }

  claimOf(key: string): Promise<NamedClaim | undefined> {
    const kept = this.claimed.get(key);
    return Promise.resolve(
      kept !== null && typeof kept === 'object'
        ? { claimant: kept.claimant, at: new Date(kept.at) }
        : undefined,
    );
  }

  private sweep(now: Date): void {
    if (this.claimed.size < 10_000) return;
    for (const [key, kept] of [...this.claimed]) {
      const expiresAt = kept !== null && typeof kept === 'object' ? kept.expiresAt : kept;
      if (expiresAt !== null && expiresAt <= now.getTime()) this.claimed.delete(key);
    }
  }
}
