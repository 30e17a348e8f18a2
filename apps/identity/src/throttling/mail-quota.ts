import { type ThrottleStore } from './throttle.store';

const HOUR = 3_600_000;

export interface MailQuotaOptions {
  /** Mails one address receives this way in an hour (default 5). */
  readonly perHour?: number;
  /** What the store keeps instead of the address (a keyed hash, as the login throttle keeps). */
  readonly keyOf?: (email: string) => string;
  readonly now?: () => number;
}

/**
 * The mails anyone can make us send to an address without signing in (a reset link, a verification link, "you already
 * have an account"): a few an hour per address, however many clients ask. Beyond that the request is answered alike
 * and nothing is sent, so these routes cannot flood a mailbox.
 */
export class MailQuota {
  private readonly perHour: number;
  private readonly keyOf: (email: string) => string;
  private readonly now: () => number;

  constructor(
    private readonly store: ThrottleStore,
    options: MailQuotaOptions = {},
  ) {
    this.perHour = options.perHour ?? 5;
    this.keyOf = options.keyOf ?? ((email) => email);
    this.now = options.now ?? Date.now;
  }

  /** Counts a mail to `email` and says whether it is within the quota (send it) or not (send nothing). */
  async allows(email: string): Promise<boolean> {
    const { count } = await this.store.recordAttempt(`mail:${this.keyOf(email)}`, new Date(this.now()), HOUR);
    return count <= this.perHour;
  }
}
