import { isErasedEmail } from '@app/personal-data';
import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { type InvitationTokens } from '@app/invitation-tokens';
import {
  BusSubscriber,
  MESSAGE_BUS,
  REACTION_GATHER_MS,
  subscribeToEvents,
  type MessageBus,
  type RetryPolicy,
  type Subscription,
} from '@app/messaging';
import {
  DELIVERIES_IN_HAND,
  DELIVERY_RETRY,
  INVITATION_QUOTA,
  MESSAGE_LOCALE,
} from '../notifications.tokens';
import { type InvitationQuota } from './invitation-quota';
import { type Locale } from '../templates/catalog';
import { renderMessage, renderTextMessage } from '../templates/render';
import { Notifier } from '../delivery/notifier';
import { RecipientDirectory } from '../notices/recipient-directory';

export const INVITATION_LINKS = Symbol('INVITATION_LINKS');

/** How invitation links are made: the shared key, and the public base URL the link points at. */
export interface InvitationLinks {
  readonly tokens: InvitationTokens;
  readonly publicUrl: string;
}

interface InvitationSent {
  readonly invitationId: string;
  readonly sendSequence: number;
  readonly expiresAt: string;
  readonly email?: string;
  readonly phone?: string;
  readonly orgName?: string;
  readonly role?: string;
  /** Who sent it (counted against their own texts of the day). */
  readonly actorId?: string;
}

/**
 * R5/R6: every `membership.InvitationSent.v1` (send or resend) delivers the link of that send, by e-mail or SMS,
 * once per event. The link's token is derived here from the invitation id and send sequence with the shared key, so
 * no secret is ever in an event, and a resend's link replaces the previous one.
 */
@Injectable()
export class InvitationMessages extends BusSubscriber {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly notifier: Notifier,
    @Inject(DELIVERY_RETRY) private readonly retry: RetryPolicy,
    @Inject(MESSAGE_LOCALE) private readonly locale: Locale,
    @Inject(DELIVERIES_IN_HAND) private readonly inHand: number,
    @Inject(INVITATION_LINKS) private readonly links: InvitationLinks,
    @Inject(INVITATION_QUOTA) private readonly quota: InvitationQuota,
    private readonly directory: RecipientDirectory,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'notifications.invitations',
      gatherMs: REACTION_GATHER_MS,
      retry: this.retry,
      keyConcurrency: this.inHand,
      topics: [TOPICS.membershipOrganizations],
      handler: async (event) => {
        if (event.type !== 'membership.InvitationSent.v1') return;
        const sent = event.data as InvitationSent;
        // Replayed after its invitee was erased, it has no address left to write to.
        if (sent.email && isErasedEmail(sent.email)) return;
        const recipient = sent.email ?? sent.phone;
        const channel = sent.email ? 'email' : 'sms';
        // Handled late (a backlog, a retry): after the invitee was erased the address is not written to, and a link
        // already dead (revoked, accepted, expired) or replaced by a later send's is not sent; an attempt at it left
        // pending (a retry) is settled as failed.
        if (!(await this.directory.sendStillCurrent(event.subject, sent.invitationId, sent.sendSequence))) {
          if (recipient)
            await this.notifier.withdraw(
              { channel, to: recipient, idempotencyKey: event.id },
              'the invitation was revoked, accepted, expired or sent again, or its invitee erased',
            );
          return;
        }
        if (recipient && !this.quota.admits(channel, recipient, event.subject, event.id, sent.actorId))
          return;
        const token = this.links.tokens.issue({
          invitationId: sent.invitationId,
          sendSequence: sent.sendSequence,
        });
        // In the fragment, which browsers never send to a server: out of the access logs on the way.
        const link = `${this.links.publicUrl}/invitations#token=${encodeURIComponent(token)}`;
        const about = { orgId: event.subject, invitationId: sent.invitationId };
        const values = {
          ...(sent.orgName ? { org: sent.orgName } : {}),
          ...(sent.role ? { role: sent.role } : {}),
          link,
          until: sent.expiresAt,
        };
        if (sent.email)
          await this.notifier.deliver({
            channel: 'email',
            to: sent.email,
            ...renderMessage('invitation', this.locale, values),
            idempotencyKey: event.id,
            about,
          });
        else if (sent.phone)
          await this.notifier.deliver({
            channel: 'sms',
            to: sent.phone,
            text: renderTextMessage('invitation', this.locale, values),
            idempotencyKey: event.id,
            about,
          });
      },
    });
  }
}
