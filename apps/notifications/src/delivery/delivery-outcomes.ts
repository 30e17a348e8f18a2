import { TOPICS } from '@app/contracts';
import { eventMessage, type MessageBus } from '@app/messaging';
import { type PseudonymousIds } from '@app/personal-data';
import { withoutAddresses } from './delivery-failure';
import { type DeliveryRecord } from './delivery-log';

export const NOTIFICATIONS_SOURCE = '/identity-platform/notifications';

/**
 * A delivery's id as others see it: stable per event, channel and recipient. The log's id holds the address, so this
 * is a keyed hash of it (a plain one would let whoever reads the topic test a guessed address against it).
 */
export function publicDeliveryId(ids: PseudonymousIds, deliveryId: string): string {
  return ids.uuidOf('notification-delivery', deliveryId);
}

/**
 * Announces how deliveries ended on `notifications.deliveries.v1`: `DeliverySucceeded` or `DeliveryFailed` (failed
 * for good, or dead), keyed by delivery, with what the message was about but never its address or text.
 */
export class DeliveryOutcomes {
  constructor(
    private readonly bus: MessageBus,
    private readonly ids: PseudonymousIds,
  ) {}

  async announce(record: DeliveryRecord): Promise<void> {
    if (record.status === 'pending') return;
    const cause = record.message.idempotencyKey;
    // One outcome of one delivery always has the same event id, however often it is announced.
    const id = this.ids.uuidOf('notification-outcome', `${record._id}|${record.status}|${record.updatedAt}`);
    const deliveryId = publicDeliveryId(this.ids, record._id);
    const common = {
      deliveryId,
      causeEventId: cause,
      channel: record.message.channel,
      attempts: Math.max(1, record.attempts),
      ...(record.message.about && Object.keys(record.message.about).length > 0
        ? { about: record.message.about }
        : {}),
      at: record.updatedAt,
    };
    const [type, data] =
      record.status === 'sent'
        ? [
            'notifications.DeliverySucceeded.v1',
            { ...common, ...(record.providerId ? { providerId: record.providerId } : {}) },
          ]
        : [
            'notifications.DeliveryFailed.v1',
            {
              ...common,
              status: record.status,
              reason: withoutAddresses(record.lastError ?? 'unknown').slice(0, 500),
            },
          ];
    await this.bus.publish([
      eventMessage(TOPICS.notificationDeliveries, {
        id,
        type,
        source: NOTIFICATIONS_SOURCE,
        subject: deliveryId,
        time: record.updatedAt,
        specversion: '1.0',
        datacontenttype: 'application/json',
        correlationid: cause,
        causationid: cause,
        actor: 'system',
        revision: '0',
        data,
      }),
    ]);
  }
}
