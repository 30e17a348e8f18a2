import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  REACTION_GATHER_MS,
  PoisonMessageError,
  subscribeToEvents,
  type MessageBus,
  type RetryPolicy,
  type Subscription,
} from '@app/messaging';
import { DELIVERIES_IN_HAND, DELIVERY_RETRY, MESSAGE_LOCALE } from '../notifications.tokens';
import { localeOf, type Locale } from '../templates/catalog';
import { Notifier } from '../delivery/notifier';
import { RecipientDirectory } from '../notices/recipient-directory';
import { renderEmail, type EmailRequest } from './email-templates';
import { INVITATION_LINKS, type InvitationLinks } from './invitation-messages';

/** Delivers `notifications.EmailRequested.v1` from `notifications.commands.v1`, once per request id. */
@Injectable()
export class EmailRequests extends BusSubscriber {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly notifier: Notifier,
    @Inject(DELIVERY_RETRY) private readonly retry: RetryPolicy,
    @Inject(MESSAGE_LOCALE) private readonly locale: Locale,
    @Inject(DELIVERIES_IN_HAND) private readonly inHand: number,
    private readonly directory: RecipientDirectory,
    @Inject(INVITATION_LINKS) private readonly links: InvitationLinks,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'notifications.email-requests',
      gatherMs: REACTION_GATHER_MS,
      retry: this.retry,
      keyConcurrency: this.inHand,
      topics: [TOPICS.notificationCommands],
      handler: async (event) => {
        if (event.type !== 'notifications.EmailRequested.v1') return;
        const request = event.data as EmailRequest;
        // The platform mails links to itself only: a request carrying another site's (written to the topic by anyone
        // but identity) would be a phishing mail from our own relay. Its event goes to the DLQ, and nothing is sent.
        if (request.link !== undefined && !sameOrigin(request.link, this.links.publicUrl))
          throw new PoisonMessageError('the link is not on PUBLIC_URL: not mailed', 'foreign-link');
        // Asked again after the account was deleted (a redelivery): the erasure forgot the delivery, and nothing goes.
        if (request.userId && (await this.directory.accountDeleted(request.userId))) return;
        // Handled only after its link expired (a backlog): a mail saying "until" a time gone by would only mislead.
        if (request.expiresAt !== undefined && Date.parse(request.expiresAt) <= Date.now()) return;
        await this.notifier.deliver({
          channel: 'email',
          to: request.to,
          ...renderEmail(request, localeOf(request.locale, this.locale)),
          idempotencyKey: event.id,
          ...(request.userId ? { about: { userId: request.userId } } : {}),
        });
      },
    });
  }
}

function sameOrigin(link: string, publicUrl: string): boolean {
  try {
    return new URL(link).origin === new URL(publicUrl).origin;
  } catch {
    return false;
  }
}
