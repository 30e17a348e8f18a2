/**
 * "First one wins" for anything single-use (a refresh token, a one-time link, a TOTP time step, a recovery code):
 * a claim succeeds for exactly one caller per key, however many race. The MongoDB adapter relies on the unique `_id`
 * of an insert rather than on a conditional update, because FerretDB v1 applies conditional updates as a read then
 * a write, while a duplicate `_id` is refused atomically by every MongoDB-protocol server.
 */
export interface ClaimLedger {
  claim(key: string, at: Date, expiresAt?: Date): Promise<boolean>;
}

export class InMemoryClaimLedger implements ClaimLedger {
  private readonly claimed = new Map<string, Date | undefined>();

  claim(key: string, at: Date, expiresAt?: Date): Promise<boolean> {
    this.sweep(at);
    if (this.claimed.has(key)) return Promise.resolve(false);
    this.claimed.set(key, expiresAt);
    return Promise.resolve(true);
  }

  private sweep(now: Date): void {
    if (this.claimed.size < 10_000) return;
    for (const [key, expiresAt] of this.claimed) if (expiresAt && expiresAt <= now) this.claimed.delete(key);
  }
}
