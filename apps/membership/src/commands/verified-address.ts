import { type EventStoreDBClient } from '@eventstore/db-client';
import { userStream } from '@app/contracts';
import {
  noProtection,
  openAllRecorded,
  readStreamEvents,
  toRecordedDomainEvent,
  type RecordedDomainEvent,
  type StoredDataProtection,
} from '@app/event-store';
import { UserDirectory } from '../indexes/user-directory';

/**
 * R16: the account's e-mail address if it is verified now, folded from identity's stream of that account as the event
 * store holds it at this moment (never behind, unlike the service's indexes, and one small read).
 */
export async function verifiedAddress(
  client: EventStoreDBClient,
  userId: string,
  protection: StoredDataProtection = noProtection,
): Promise<string | undefined> {
  const recorded = (await readStreamEvents(client, userStream(userId)))
    .map((resolved) => toRecordedDomainEvent(resolved))
    .filter((event): event is RecordedDomainEvent => event !== undefined);
  const directory = new UserDirectory();
  for (const event of await openAllRecorded(protection, recorded)) directory.apply(event as never);
  return directory.verifiedEmailOf(userId);
}
