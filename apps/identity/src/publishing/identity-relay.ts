import { type Provider } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { TOPICS } from '@app/contracts';
import { EVENT_STORE_CLIENT } from '@app/event-store';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { PublishingRelay } from '@app/relay';
import { IDENTITY_SOURCE } from '../notifying/identity-mail';

/** The user streams to `identity.user.v1` (key = user id); the e-mail/phone reservation streams stay internal. */
export const identityRelay: Provider = {
  provide: PublishingRelay,
  inject: [EVENT_STORE_CLIENT, MESSAGE_BUS],
  useFactory: (client: EventStoreDBClient, bus: MessageBus) =>
    new PublishingRelay(client, bus, {
      service: 'identity',
      topic: TOPICS.identityUsers,
      source: IDENTITY_SOURCE,
      streamPrefix: 'user-',
    }),
};
