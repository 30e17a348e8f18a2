import { createHmac, randomBytes } from 'node:crypto';
import { mailboxOf } from '@app/identifiers';
import { notificationDeliveries } from '@app/metrics';
import { forgetOlder, windowOf } from '../quotas/time-windows';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `NOTIFY_INVITATIONS_PER_HOUR`: invitation messages one address receives from one organization in an hour. */
export const DEFAULT_INVITATIONS_PER_HOUR = 5;

/**
 * `NOTIFY_INVITATION_TEXTS_PER_DAY`: invitation text messages one organization, and one inviter across organizations,
 * sends in 24 hours, to all numbers together.
 */
export const DEFAULT_INVITATION_TEXTS_PER_DAY = 200;

/**
 * `NOTIFY_INVITATION_MAILS_PER_DAY`: invitation e-mails one organization, and one inviter across organizations, sends
 * in 24 hours, to all addresses together (an import of 1,000 rows fits twice).
 */
export const DEFAULT_INVITATION_MAILS_PER_DAY = 2_000;

/** From all the organizations of one inviter together, an address receives at most this many times the quota. */
const ONE_INVITERS_ORGANIZATIONS = 4;
/** From everyone together, an address receives at most this many times the quota: a ceiling on a spread-out flood. */
const EVERYONE = 20;

/**
 * R5 against abuse: how many invitation messages (links and "withdrawn" notices) one address or phone number receives
 * in an hour: from one organization (`perHour`), from all the organizations of one inviter together (four times that),
 * and from everyone together (twenty times). Anyone who may invite could otherwise make the platform mail or text
 * someone as often as they resend, or revoke and invite again. Counted per organization and per inviter, so that one
 * person's flood, even spread over organizations of their own, does not use up what another organization may send;
 * the overall ceiling bounds a flood by many people. Beyond any of them a message is not sent; the invitation itself
 * stands, and a resend once the hour has passed delivers a working link.
 *
 * Text messages cost the platform money, and SMS-pumping fraud invites thousands of numbers whose carriers share
 * what each message earns: an organization's invitations, and one person's across all their organizations, each send
 * at most `invitationTextsPerDay` texts in 24 hours, to all numbers together. Mail has a day budget of its own
 * (`invitationMailsPerDay`), so that a fresh account importing addresses over and over cannot make the platform's
 * domain a spammer's. An address's `+tag` is counted as the address: `ada+1@` to `ada+1000@` is one mailbox.
 *
 * Counted per message (its event id), so a message delivered again after a crash is not counted twice; kept in this
 * instance's memory, so with n replicas an address receives at most n times as many.
 */
export class InvitationQuota {
  /** Addresses are counted by a keyed hash (a key of this instance's own): its memory names nobody in the clear. */
  private readonly hashKey = randomBytes(32);
  private readonly sent = new Map<string, Map<string, number>>();
  /** Messages of the last day, by channel and organization and by channel and the person who sent them. */
  private readonly daily = new Map<string, Map<string, number>>();
  /** Messages held back in the last hour, by channel: one delivered again is not counted held back twice. */
  private readonly heldBack = new Map<string, Map<string, number>>();
  private prunedAt = 0;

  constructor(
    private readonly perHour: number = DEFAULT_INVITATIONS_PER_HOUR,
    private readonly now: () => number = Date.now,
    private readonly invitationTextsPerDay: number = DEFAULT_INVITATION_TEXTS_PER_DAY,
    private readonly invitationMailsPerDay: number = DEFAULT_INVITATION_MAILS_PER_DAY,
  ) {}

  /**
   * Whether a message on `channel` may be sent (counted as the quota's), else counted as held back
   * (`notifications_deliveries_total{status="over-quota"}`).
   */
  admits(
    channel: 'email' | 'sms',
    recipient: string,
    orgId: string,
    messageId: string,
    senderId?: string,
  ): boolean {
    if (this.allows(recipient, orgId, messageId, channel, senderId)) return true;
    const held = windowOf(this.heldBack, channel, this.now(), HOUR);
    if (!held.has(messageId)) notificationDeliveries.inc({ channel, status: 'over-quota' });
    held.set(messageId, this.now());
    return false;
  }

  /**
   * Counts message `messageId` from `orgId` (sent by `senderId`) to `recipient` and says whether it is within the quota
   * (send it). A message counted before is within it: a redelivery.
   */
  allows(
    address: string,
    orgId: string,
    messageId: string,
    channel: 'email' | 'sms' = 'email',
    senderId?: string,
  ): boolean {
    const recipient = createHmac('sha256', this.hashKey).update(mailboxOf(address)).digest('base64url');
    const now = this.now();
    if (now - this.prunedAt >= HOUR) this.prune(now);
    const fromOrganization = windowOf(this.sent, `${orgId}\u0000${recipient}`, now, HOUR);
    const fromInviter = senderId
      ? windowOf(this.sent, `by\u0000${senderId}\u0000${recipient}`, now, HOUR)
      : undefined;
    const fromAll = windowOf(this.sent, recipient, now, HOUR);
    const message = `${messageId}\u0000${recipient}`;
    const today = [`org\u0000${orgId}`, ...(senderId ? [`by\u0000${senderId}`] : [])].map((key) =>
      windowOf(this.daily, `${channel}\u0000${key}`, now, DAY),
    );
    const dayBudget = channel === 'sms' ? this.invitationTextsPerDay : this.invitationMailsPerDay;
    if (fromOrganization.has(messageId) || today.some((window) => window.has(message))) return true;
    if (
      fromOrganization.size >= this.perHour ||
      (fromInviter?.size ?? 0) >= this.perHour * ONE_INVITERS_ORGANIZATIONS ||
      fromAll.size >= this.perHour * EVERYONE
    )
      return false;
    if (today.some((window) => window.size >= dayBudget)) return false;
    fromOrganization.set(messageId, now);
    fromInviter?.set(messageId, now);
    fromAll.set(messageId, now);
    for (const window of today) window.set(message, now);
    return true;
  }

  /** How many windows are remembered (for tests of the pruning). */
  get remembered(): number {
    return this.sent.size + this.daily.size + this.heldBack.size;
  }

  /** Once an hour: windows with nothing counted within their span are forgotten. */
  private prune(now: number): void {
    this.prunedAt = now;
    forgetOlder(this.sent, now, HOUR);
    forgetOlder(this.daily, now, DAY);
    forgetOlder(this.heldBack, now, HOUR);
  }
}
