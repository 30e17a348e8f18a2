import { notificationDeliveries } from '@app/metrics';
import { forgetOlder, windowOf, type TimeWindows } from './time-windows';

const HOUR = 3_600_000;

/** `NOTIFY_NOTICES_PER_HOUR`: notices one person receives about one organization in an hour. */
export const DEFAULT_NOTICES_PER_HOUR = 10;

/**
 * Notices about an organization (a role changed, a team joined, a second factor now required ...) follow what its
 * Owner and Admins do, who could otherwise have the platform mail a member as often as they switch a role or a
 * setting back and forth: one person receives at most `perHour` of them about one organization in an hour, and beyond
 * that a notice is not sent (`notifications_deliveries_total{status="over-quota"}`). Notices about a person's own
 * account (a lock, a second factor turned off) are not counted here: they follow what is done to that account.
 *
 * Counted per message, so a message delivered again after a crash is not counted twice; kept in this instance's
 * memory, so with n replicas a person receives at most n times as many.
 */
export class NoticeQuota {
  private readonly sent: TimeWindows = new Map();
  private readonly heldBack: TimeWindows = new Map();
  private prunedAt = 0;

  constructor(
    private readonly perHour: number = DEFAULT_NOTICES_PER_HOUR,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether message `messageId` about `orgId` may be sent to `userId` (counted), else counted as held back. */
  admits(channel: 'email' | 'sms', orgId: string, userId: string, messageId: string): boolean {
    const now = this.now();
    if (now - this.prunedAt >= HOUR) this.prune(now);
    const window = windowOf(this.sent, `${orgId}\u0000${userId}`, now, HOUR);
    if (window.has(messageId)) return true;
    if (window.size < this.perHour) {
      window.set(messageId, now);
      return true;
    }
    const held = windowOf(this.heldBack, channel, now, HOUR);
    if (!held.has(messageId)) notificationDeliveries.inc({ channel, status: 'over-quota' });
    held.set(messageId, now);
    return false;
  }

  /** How many windows are remembered (for tests of the pruning). */
  get remembered(): number {
    return this.sent.size + this.heldBack.size;
  }

  /** Once an hour: windows with nothing counted within the hour are forgotten. */
  private prune(now: number): void {
    this.prunedAt = now;
    forgetOlder(this.sent, now, HOUR);
    forgetOlder(this.heldBack, now, HOUR);
  }
}
