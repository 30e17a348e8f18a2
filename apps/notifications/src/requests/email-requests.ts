import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  subscribeToEvents,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { Notifier } from '../delivery/notifier';
import { renderEmail, type EmailRequest } from './email-templates';

/** Delivers `notifications.EmailRequested.v1` from `notifications.commands.v1`, once per request id. */
@Injectable()
export class EmailRequests extends BusSubscriber {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly notifier: Notifier,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'notifications.email-requests',
      topics: [TOPICS.notificationCommands],
      handler: async (event) => {
        if (event.type !== 'notifications.EmailRequested.v1') return;
        const request = event.data as EmailRequest;
        await this.notifier.deliver({
          channel: 'email',
          to: request.to,
          ...renderEmail(request),
          idempotencyKey: event.id,
        });
      },
    });
  }
}
