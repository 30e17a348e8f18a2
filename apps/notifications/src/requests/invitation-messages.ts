import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { type InvitationTokens } from '@app/invitation-tokens';
import {
  BusSubscriber,
  MESSAGE_BUS,
  subscribeToEvents,
  type MessageBus,
  type RetryPolicy,
  type Subscription,
} from '@app/messaging';
import { DELIVERY_RETRY } from '../delivery-retry';
import { Notifier } from '../delivery/notifier';

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
    @Inject(INVITATION_LINKS) private readonly links: InvitationLinks,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'notifications.invitations',
      retry: this.retry,
      topics: [TOPICS.membershipOrganizations],
      handler: async (event) => {
        if (event.type !== 'membership.InvitationSent.v1') return;
        const sent = event.data as InvitationSent;
        const token = this.links.tokens.issue({
          invitationId: sent.invitationId,
          sendSequence: sent.sendSequence,
        });
        const link = `${this.links.publicUrl}/invitations/${encodeURIComponent(token)}`;
        const what = `${sent.orgName ?? 'an organization'}${sent.role ? ` as ${sent.role === 'admin' ? 'an Admin' : 'a member'}` : ''}`;
        const about = { orgId: event.subject, invitationId: sent.invitationId };
        const text = `You are invited to join ${what}.\n\nAccept the invitation:\n${link}\n\nThe link works until ${sent.expiresAt}.\n`;
        if (sent.email)
          await this.notifier.deliver({
            channel: 'email',
            to: sent.email,
            subject: `Invitation to join ${sent.orgName ?? 'an organization'}`,
            text,
            idempotencyKey: event.id,
            about,
          });
        else if (sent.phone)
          await this.notifier.deliver({
            channel: 'sms',
            to: sent.phone,
            text,
            idempotencyKey: event.id,
            about,
          });
      },
    });
  }
}
