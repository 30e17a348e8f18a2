import { type ThrottleStore } from './throttle.store';

const HOUR = 3_600_000;

export interface MailQuotaOptions {
  /** Mails one address receives this way in an hour (default 5). */
  readonly perHour?: number;
  /** What the store keeps instead of the address (a keyed hash, as the login throttle keeps). */
  readonly keyOf?: (email: string) => string;
  readonly now?: () => number;
}

/** What a mail is for: each has its own quota, so that mails of one kind never use up another's. */
export type MailPurpose =
  | 'reset-link'
  | 'verification-link'
  | 'account-exists'
  | 'email-change-link'
  // A reset an Owner or Admin asked for (R17): counted apart from the member's own, which it cannot use up.
  | 'requested-reset-link';

/**
 * The mails anyone can make us send to an address without signing in (a reset link, a verification link, "you already
 * have an account"), or signed in to an address not theirs (an address change's link, a member's reset link): a few an hour per address and purpose, however many clients ask. Beyond that the request is
 * answered alike and nothing is sent, so these routes cannot flood a mailbox. The purposes are counted apart, so that
 * registering someone's address again and again cannot stop their reset link (their way to take the account back),
 * and a refused request is not counted: the quota ends an hour after the mails it let through, however often anyone
 * asks meanwhile.
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
  async allows(email: string, purpose: MailPurpose): Promise<boolean> {
    const key = `mail:${purpose}:${this.keyOf(email)}`;
    const { attemptId, count } = await this.store.recordAttempt(key, new Date(this.now()), HOUR);
    if (count <= this.perHour) return true;
    await this.store.removeAttempt(key, attemptId);
    return false;
  }
}
