import { notificationDeliveries } from '@app/metrics';
import { Inject, Injectable } from '@nestjs/common';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  REACTION_GATHER_MS,
  subscribeToEvents,
  type MessageBus,
  type RetryPolicy,
  type Subscription,
} from '@app/messaging';
import { EachDelivery } from '../delivery/each-delivery';
import { Notifier } from '../delivery/notifier';
import {
  DELIVERIES_IN_HAND,
  DELIVERY_RETRY,
  ENABLED_NOTICES,
  INVITATION_QUOTA,
  MESSAGE_LOCALE,
  NOTICE_QUOTA,
} from '../notifications.tokens';
import { type NoticeQuota } from '../quotas/notice-quota';
import { type InvitationQuota } from '../requests/invitation-quota';
import { localeOf, type Locale } from '../templates/catalog';
import { renderMessage, renderTextMessage } from '../templates/render';
import { noticesOf, type Notice, type NoticeKind } from './notice-rules';
import { RecipientDirectory } from './recipient-directory';

interface Recipient {
  readonly email?: string;
  readonly phone?: string;
  readonly name?: string;
  readonly locale?: string;
  readonly about: { userId?: string; invitationId?: string };
}

/**
 * Tells people about the changes that matter to them (role, ownership, removal, teams, a locked account), by e-mail
 * to the address of their own account, once per event and person.
 */
@Injectable()
export class Notices extends BusSubscriber {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly notifier: Notifier,
    private readonly directory: RecipientDirectory,
    @Inject(DELIVERY_RETRY) private readonly retry: RetryPolicy,
    @Inject(MESSAGE_LOCALE) private readonly locale: Locale,
    @Inject(DELIVERIES_IN_HAND) private readonly inHand: number,
    @Inject(ENABLED_NOTICES) private readonly enabled: ReadonlySet<NoticeKind>,
    @Inject(INVITATION_QUOTA) private readonly invitationQuota: InvitationQuota,
    @Inject(NOTICE_QUOTA) private readonly noticeQuota: NoticeQuota,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'notifications.notices',
      gatherMs: REACTION_GATHER_MS,
      retry: this.retry,
      keyConcurrency: this.inHand,
      topics: [TOPICS.membershipOrganizations, TOPICS.identityUsers],
      handler: async (event) => {
        const deliveries = new EachDelivery();
        for (const notice of noticesOf(event, this.enabled)) {
          // A settings change that leaves the requirement as it was (a rename) announces nothing again.
          if (
            notice.kind === 'two-factor-required' &&
            notice.orgId &&
            (await this.directory.requiredTwoFactorBefore(notice.orgId, BigInt(event.revision)))
          )
            continue;
          // A manager made a plain member again was in the team all along: nothing was added.
          if (
            notice.kind === 'added-to-team' &&
            notice.orgId &&
            notice.teamId &&
            'userId' in notice.to &&
            (await this.directory.inTeamBefore(
              notice.orgId,
              notice.teamId,
              notice.to.userId,
              BigInt(event.revision),
            ))
          )
            continue;
          const org = notice.orgId
            ? await this.directory.organizationNameOf(notice.orgId, BigInt(event.revision))
            : undefined;
          const values = { ...(org ? { org } : {}), ...(notice.role ? { role: notice.role } : {}) };
          const about = notice.orgId ? { orgId: notice.orgId } : {};
          for (const recipient of await this.recipientsOf(notice, BigInt(event.revision))) {
            // A withdrawn invitation is an invitation message: revoking and inviting again must not flood anyone.
            const address = recipient.email ?? recipient.phone;
            const channel = recipient.email ? 'email' : 'sms';
            if (
              notice.kind === 'invitation-revoked' &&
              address &&
              !this.invitationQuota.admits(channel, address, event.subject, event.id, actorOf(event))
            )
              continue;
            // What an organization's Owner and Admins do tells its members: as often as they switch a role or a
            // setting back and forth, but for the quota.
            const member = recipient.about.userId;
            if (
              notice.orgId &&
              member &&
              !this.noticeQuota.admits(channel, notice.orgId, member, `${event.id}\u0000${notice.kind}`)
            )
              continue;
            const locale = localeOf(recipient.locale, this.locale);
            const filled = { ...values, ...(recipient.name ? { name: recipient.name } : {}) };
            const message = renderMessage(notice.kind, locale, filled);
            const base = { idempotencyKey: event.id, about: { ...about, ...recipient.about } };
            if (recipient.email)
              await deliveries.attempt(() =>
                this.notifier.deliver({ channel: 'email', to: recipient.email!, ...message, ...base }),
              );
            else if (recipient.phone)
              await deliveries.attempt(() =>
                this.notifier.deliver({
                  channel: 'sms',
                  to: recipient.phone!,
                  text: renderTextMessage(notice.kind, locale, filled),
                  ...base,
                }),
              );
          }
        }
        deliveries.settle();
      },
    });
  }

  /**
   * Whether one of an invitation's sends reached its invitee: one revoked before any was delivered is no news. A send
   * under way when the revocation is handled (its provider answering, or its retry due) counts: it may still arrive.
   */
  private async reached(sent: {
    email?: string;
    phone?: string;
    sentAs: readonly string[];
  }): Promise<boolean> {
    const to = sent.email ?? sent.phone;
    if (!to) return false;
    const channel = sent.email ? 'email' : 'sms';
    for (const idempotencyKey of sent.sentAs)
      if (await this.notifier.sentOrUnderWay({ channel, to, idempotencyKey })) return true;
    return false;
  }

  /** The people a notice is for, with where to reach them; an account deleted since is nobody. */
  private async recipientsOf(notice: Notice, revision: bigint): Promise<Recipient[]> {
    const to = notice.to;
    if ('inviteeOf' in to) {
      const sent = notice.orgId ? await this.directory.sentInvitation(notice.orgId, to.inviteeOf) : undefined;
      return sent && (await this.reached(sent)) ? [{ ...sent, about: { invitationId: to.inviteeOf } }] : [];
    }
    let userIds: string[];
    if ('userId' in to)
      userIds = to.unlessTwoFactor && (await this.directory.hasSecondFactor(to.userId)) ? [] : [to.userId];
    else if ('inviterOf' in to) {
      const inviter = notice.orgId
        ? await this.directory.inviterOf(notice.orgId, to.inviterOf, revision)
        : undefined;
      userIds = inviter ? [inviter] : [];
    } else {
      userIds = notice.orgId ? await this.directory.membersBefore(notice.orgId, revision) : [];
      if (to.members === 'without-two-factor') {
        const without: string[] = [];
        for (const userId of userIds)
          if (!(await this.directory.hasSecondFactor(userId))) without.push(userId);
        userIds = without;
      }
    }
    const recipients: Recipient[] = [];
    for (const userId of userIds) {
      // Anyone may register someone else's address and then make organizations and changes about themself: an
      // address nobody has proven is sent nothing but its own link (by identity), never a notice.
      const contact = await this.directory.contactOf(userId);
      if (contact?.verified) recipients.push({ ...contact, about: { userId } });
      else if (contact) notificationDeliveries.inc({ channel: 'email', status: 'unverified' });
    }
    return recipients;
  }
}

/** Who made the change an event records (a withdrawn invitation's revoker counts against their own texts). */
function actorOf(event: EventEnvelope): string | undefined {
  const actorId = (event.data as { actorId?: unknown }).actorId;
  return typeof actorId === 'string' ? actorId : undefined;
}
