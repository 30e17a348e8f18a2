import { type EventStoreDBClient } from '@eventstore/db-client';
import { userStream } from '@app/contracts';
import { readLastEvent } from '@app/event-store';

/** R10: identity ends a deleted account's stream with `UserDeleted`, then `UserErased`; nothing is appended after. */
export async function accountDeleted(client: EventStoreDBClient, userId: string): Promise<boolean> {
  const last = (await readLastEvent(client, userStream(userId)))?.event?.type;
  return last === 'UserDeleted' || last === 'UserErased';
}
