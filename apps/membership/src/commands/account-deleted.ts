import { type EventStoreDBClient } from '@eventstore/db-client';
import { userStream } from '@app/contracts';
import { readLastEvents } from '@app/event-store';

/** What identity recorded when an account was deleted (R10): the organizations its Owner confirmed deleting. */
export interface AccountDeletion {
  readonly ownedOrganizationIds: readonly string[];
  readonly ownedOrganizationsConfirmed: boolean;
}

/**
 * R10: identity ends a deleted account's stream with `UserDeleted`, then `UserErased` (appended after it, or
 * later by a restart that finishes an interrupted erasure); nothing is appended after either.
 */
export async function accountDeletion(
  client: EventStoreDBClient,
  userId: string,
): Promise<AccountDeletion | undefined> {
  const last = await readLastEvents(client, userStream(userId), 2);
  if (last[0]?.event?.type !== 'UserDeleted' && last[0]?.event?.type !== 'UserErased') return undefined;
  const deleted = last.find((resolved) => resolved.event?.type === 'UserDeleted')?.event?.data as
    Partial<AccountDeletion> | undefined;
  return {
    ownedOrganizationIds: deleted?.ownedOrganizationIds ?? [],
    ownedOrganizationsConfirmed: deleted?.ownedOrganizationsConfirmed === true,
  };
}

/** Whether the Owner confirmed deleting this organization with their account (else it goes to a successor). */
export function deletionConfirms(deletion: AccountDeletion, orgId: string): boolean {
  return deletion.ownedOrganizationsConfirmed && deletion.ownedOrganizationIds.includes(orgId);
}
