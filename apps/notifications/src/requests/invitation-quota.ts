const HOUR = 3_600_000;

/** `NOTIFY_INVITATIONS_PER_HOUR`: invitation messages one address or number receives in an hour (default 5). */
export const DEFAULT_INVITATIONS_PER_HOUR = 5;

/**
 * R5 against abuse: how many invitation messages (links and "withdrawn" notices) one address or phone number receives
 * in an hour, from all organizations together. Anyone who may invite could otherwise make the platform mail or text
 * someone as often as they resend, or revoke and invite again. Beyond the quota a message is not sent; the invitation
 * itself stands, and a resend once the hour has passed delivers a working link.
 *
 * Counted per message (its event id), so a message delivered again after a crash is not counted twice; kept in this
 * instance's memory, so with n replicas an address receives at most n times the quota.
 */
export class InvitationQuota {
  private readonly sent = new Map<string, Map<string, number>>();
  private prunedAt = 0;

  constructor(
    private readonly perHour: number = DEFAULT_INVITATIONS_PER_HOUR,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts message `messageId` to `recipient` and says whether it is within the quota (send it) or not. */
  allows(recipient: string, messageId: string): boolean {
    const now = this.now();
    if (now - this.prunedAt >= HOUR) this.prune(now);
    const window = this.sent.get(recipient) ?? new Map<string, number>();
    for (const [id, at] of window) if (now - at >= HOUR) window.delete(id);
    if (!window.has(messageId) && window.size >= this.perHour) {
      this.sent.set(recipient, window);
      return false;
    }
    if (!window.has(messageId)) window.set(messageId, now);
    this.sent.set(recipient, window);
    return true;
  }

  /** Once an hour: recipients with nothing counted in the last hour are forgotten. */
  private prune(now: number): void {
    this.prunedAt = now;
    for (const [recipient, window] of this.sent) {
      for (const [id, at] of window) if (now - at >= HOUR) window.delete(id);
      if (window.size === 0) this.sent.delete(recipient);
    }
  }

  /** How many recipients are remembered (for tests of the pruning). */
  get remembered(): number {
    return this.sent.size;
  }
}
