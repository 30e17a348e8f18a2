import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { AddressSubjects } from '@app/personal-data';
import {
  BusSubscriber,
  MESSAGE_BUS,
  subscribeToEvents,
  type MessageBus,
  type RetryPolicy,
  type Subscription,
} from '@app/messaging';
import { type DeliveryLog } from '../delivery/delivery-log';
import { DELIVERY_LOG, DELIVERY_RETRY } from '../notifications.tokens';

/** The erasures this service acts on: each names the keys it destroyed (a person's id, their addresses' key ids). */
const ERASURES = new Set(['identity.UserErased.v1', 'membership.InviteeErased.v1']);

/**
 * Erasure reaches the delivery log: once a person is erased (their account deleted, or an invitee erased by an
 * operator), every delivery to their addresses or about them is forgotten, addresses and messages with it. What is
 * still to go to them is not sent: the paths that send check the erasure first.
 */
@Injectable()
export class ForgetErasedRecipients extends BusSubscriber {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(DELIVERY_LOG) private readonly log: DeliveryLog,
    @Inject(DELIVERY_RETRY) private readonly retry: RetryPolicy,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'notifications.erasure',
      retry: this.retry,
      topics: [TOPICS.identityUsers, TOPICS.membershipOrganizations],
      handler: async (event) => {
        if (!ERASURES.has(event.type)) return;
        const keys = (event.data as { erasedKeys?: unknown }).erasedKeys;
        if (!Array.isArray(keys)) return;
        // A delivery names its recipient's address subject; an erasure may name a later generation of its key.
        const named = keys.filter((key): key is string => typeof key === 'string');
        await this.log.forget([...new Set([...named, ...named.map(AddressSubjects.subjectOf)])]);
      },
    });
  }
}
