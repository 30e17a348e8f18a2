import { v5 as uuidv5 } from 'uuid';
import { TOPICS } from '@app/contracts';
import { eventMessage, type MessageBus } from '@app/messaging';
import { withoutAddresses } from './delivery-failure';
import { type DeliveryRecord } from './delivery-log';

export const NOTIFICATIONS_SOURCE = '/identity-platform/notifications';
// Fixed namespace: one outcome of one delivery always has the same event id, however often it is announced.
const OUTCOME_NAMESPACE = '5d0c3f7e-8a41-4b9e-b2f6-0e7d1c9a4b23';
const DELIVERY_NAMESPACE = 'c8e1b0d2-3f5a-4c7e-9d1b-6a2f8e4c0b71';

/**
 * Announces how deliveries ended on `notifications.deliveries.v1`: `DeliverySucceeded` or `DeliveryFailed` (failed
 * for good, or dead), keyed by delivery, with what the message was about but never its address or text.
 */
export class DeliveryOutcomes {
  constructor(private readonly bus: MessageBus) {}

  /** The delivery's id as others see it: stable per event, channel and recipient, but without the address. */
  static publicIdOf(deliveryId: string): string {
    return uuidv5(deliveryId, DELIVERY_NAMESPACE);
  }

  async announce(record: DeliveryRecord): Promise<void> {
    if (record.status === 'pending') return;
    const cause = record.message.idempotencyKey;
    const id = uuidv5(`${record._id}|${record.status}|${record.updatedAt}`, OUTCOME_NAMESPACE);
    const deliveryId = DeliveryOutcomes.publicIdOf(record._id);
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
