import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  subscribeToEvents,
  type MessageBus,
  type RetryPolicy,
  type Subscription,
} from '@app/messaging';
import { Notifier } from '../delivery/notifier';
import { DELIVERY_RETRY, ENABLED_NOTICES, MESSAGE_LOCALE } from '../notifications.tokens';
import { type Locale } from '../templates/catalog';
import { renderMessage } from '../templates/render';
import { noticesOf, type NoticeKind } from './notice-rules';
import { RecipientDirectory } from './recipient-directory';

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
    @Inject(ENABLED_NOTICES) private readonly enabled: ReadonlySet<NoticeKind>,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'notifications.notices',
      retry: this.retry,
      topics: [TOPICS.membershipOrganizations, TOPICS.identityUsers],
      handler: async (event) => {
        for (const notice of noticesOf(event, this.enabled)) {
          const contact = await this.directory.contactOf(notice.userId);
          if (!contact) continue; // an account deleted since: nobody to tell
          const org = notice.orgId ? await this.directory.organizationNameOf(notice.orgId) : undefined;
          await this.notifier.deliver({
            channel: 'email',
            to: contact.email,
            ...renderMessage(notice.kind, this.locale, {
              name: contact.name,
              ...(org ? { org } : {}),
              ...(notice.role ? { role: notice.role } : {}),
            }),
            idempotencyKey: event.id,
            about: { userId: notice.userId, ...(notice.orgId ? { orgId: notice.orgId } : {}) },
          });
        }
      },
    });
  }
}
