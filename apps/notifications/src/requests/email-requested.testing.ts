import { randomUUID } from 'node:crypto';
import { TOPICS } from '@app/contracts';
import { eventMessage, type BusMessage } from '@app/messaging';
import { type EmailRequest } from './email-templates';

/** A `notifications.EmailRequested.v1` as identity publishes it, with a fresh event id (returned with it). */
export function emailRequested(request: EmailRequest): { id: string; message: BusMessage } {
  const id = randomUUID();
  const at = new Date().toISOString();
  return {
    id,
    message: eventMessage(TOPICS.notificationCommands, {
      id,
      type: 'notifications.EmailRequested.v1',
      source: '/identity-platform/tests/notifications', // a hand-made request: marked as a test's
      subject: request.userId ?? request.to,
      time: at,
      specversion: '1.0',
      datacontenttype: 'application/json',
      correlationid: id,
      causationid: id,
      actor: 'system',
      revision: '0',
      data: { ...request, requestedBy: 'identity', at },
    }),
  };
}
