import { randomUUID } from 'node:crypto';
import { TOPICS } from '@app/contracts';
import { eventMessage } from '@app/messaging';

/** An identity event on `identity.user.v1` as identity publishes it, made by a test (its source says so). */
export function identityEventMessage(type: string, userId: string, data: Record<string, unknown>) {
  return eventMessage(TOPICS.identityUsers, {
    id: randomUUID(),
    type,
    source: '/identity-platform/tests/membership',
    subject: userId,
    time: new Date().toISOString(),
    specversion: '1.0',
    datacontenttype: 'application/json',
    correlationid: randomUUID(),
    causationid: randomUUID(),
    actor: userId,
    revision: '3',
    data: { userId, actorId: userId, at: new Date().toISOString(), ...data },
  });
}
