import { type ThrottleStore } from './throttle.store';

const HOUR = 3_600_000;

export interface MailQuotaOptions {
  /** Mails one address receives this way in an hour (default 5). */
  readonly perHour?: number;
  /** Mails of one purpose one account asks to have sent to addresses not yet its own, in an hour (default 10). */
  readonly perAccountPerHour?: number;
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
 * asks meanwhile. What an account asks for (a move to another address) is counted for the account too, so that a list
 * of addresses does not multiply it. An address is counted as it is written, `+tag` and all: counted as its mailbox,
 * anyone registering `ada+1@` ... `ada+5@` would stop the links `ada@` asks for herself.
 */
export class MailQuota {
  private readonly perHour: number;
  private readonly perAccountPerHour: number;
  private readonly keyOf: (email: string) => string;
  private readonly now: () => number;

  constructor(
    private readonly store: ThrottleStore,
    options: MailQuotaOptions = {},
  ) {
    this.perHour = options.perHour ?? 5;
    this.perAccountPerHour = options.perAccountPerHour ?? 10;
    this.keyOf = options.keyOf ?? ((email) => email);
    this.now = options.now ?? Date.now;
  }

  /**
   * Counts a mail to `email` (and for `askedBy`, the account asking) and says whether it is within the quotas (send
   * it) or not (send nothing, and count nothing).
   */
  async allows(email: string, purpose: MailPurpose, askedBy?: string): Promise<boolean> {
    // The account first: one past its own quota counts nothing, even for a moment, against the address it names.
    const quotas = [
      ...(askedBy === undefined
        ? []
        : [{ key: `mail:${purpose}:by:${askedBy}`, limit: this.perAccountPerHour }]),
      { key: `mail:${purpose}:${this.keyOf(email)}`, limit: this.perHour },
    ];
    const at = new Date(this.now());
    const counted: { key: string; attemptId: string }[] = [];
    let within = false;
    try {
      for (const { key, limit } of quotas) {
        const { attemptId, count } = await this.store.recordAttempt(key, at, HOUR);
        counted.push({ key, attemptId });
        if (count > limit) return false;
      }
      return (within = true);
    } finally {
      if (!within)
        await Promise.all(counted.map(({ key, attemptId }) => this.store.removeAttempt(key, attemptId)));
    }
  }
}
