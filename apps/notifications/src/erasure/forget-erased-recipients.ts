import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import {
  BusSubscriber,
  MESSAGE_BUS,
  REACTION_GATHER_MS,
  subscribeToEvents,
  type MessageBus,
  type RetryPolicy,
  type Subscription,
} from '@app/messaging';
import { type DeliveryLog } from '../delivery/delivery-log';
import { type RecipientKeys } from '../delivery/recipient-keys';
import {
  DELIVERY_LOG,
  DELIVERY_RETRY,
  ERASURE_SECOND_PASS_MS,
  RECIPIENT_KEYS,
} from '../notifications.tokens';

/** The erasures this service acts on: each names the keys it destroyed (a person's id, their addresses' key ids). */
const ERASURES = new Set(['identity.UserErased.v1', 'membership.InviteeErased.v1']);

/**
 * Erasure reaches the delivery log: once a person is erased (their account deleted, or an invitee erased by an
 * operator), every delivery to their addresses or about them is forgotten, addresses and messages with it. What is
 * still to go to them is not sent: the paths that send check the erasure first. A delivery claimed while the erasure
 * arrived (checked just before it) is forgotten by a second pass, once such an attempt has ended.
 */
@Injectable()
export class ForgetErasedRecipients extends BusSubscriber {
  private readonly secondPasses = new Map<NodeJS.Timeout, readonly string[]>();

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(DELIVERY_LOG) private readonly log: DeliveryLog,
    @Inject(DELIVERY_RETRY) private readonly retry: RetryPolicy,
    @Inject(RECIPIENT_KEYS) private readonly recipientKeys: RecipientKeys,
    @Inject(ERASURE_SECOND_PASS_MS) private readonly secondPassMs: number,
  ) {
    super();
  }

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: 'notifications.erasure',
      gatherMs: REACTION_GATHER_MS,
      retry: this.retry,
      topics: [TOPICS.identityUsers, TOPICS.membershipOrganizations],
      handler: async (event) => {
        if (!ERASURES.has(event.type)) return;
        const named = (event.data as { erasedKeys?: unknown }).erasedKeys;
        if (!Array.isArray(named)) return;
        const keys = named.filter((key): key is string => typeof key === 'string');
        this.recipientKeys.erased(keys);
        await this.log.forget(keys);
        this.forgetAgainLater(keys);
      },
    });
  }

  /** Once no erasure is being handled any more, the second passes still to come are made now, before the log closes. */
  override async beforeApplicationShutdown(): Promise<void> {
    await super.beforeApplicationShutdown();
    const pending = [...this.secondPasses];
    this.secondPasses.clear();
    for (const [timer, keys] of pending) {
      clearTimeout(timer);
      await this.log.forget(keys).catch(() => undefined);
    }
  }

  private forgetAgainLater(keys: readonly string[]): void {
    const timer = setTimeout(() => {
      this.secondPasses.delete(timer);
      // Best effort: the first pass forgot what was there; this one only what was being claimed then.
      this.log.forget(keys).catch(() => undefined);
    }, this.secondPassMs);
    timer.unref();
    this.secondPasses.set(timer, keys);
  }
}
