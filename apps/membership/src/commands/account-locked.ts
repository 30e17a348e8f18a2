import { BACKWARDS, END, StreamNotFoundError, type EventStoreDBClient } from '@eventstore/db-client';
import { userStream } from '@app/contracts';

const PAGE = 64;

/**
 * R2: whether identity has the account locked now: the later of its latest lock and unlock is a lock. Read from the
 * newest event back, a page at a time, only as far as the last of them (or the registration). Each page is read
 * whole: a read left open keeps its call open on the client.
 */
export async function accountLocked(client: EventStoreDBClient, userId: string): Promise<boolean> {
  let from: bigint | typeof END = END;
  for (;;) {
    const page: { type?: string; revision: bigint }[] = [];
    try {
      for await (const { event } of client.readStream(userStream(userId), {
        direction: BACKWARDS,
        fromRevision: from,
        maxCount: PAGE,
      }))
        if (event) page.push({ type: event.type, revision: event.revision });
    } catch (error) {
      if (error instanceof StreamNotFoundError) return false;
      throw error;
    }
    for (const { type } of page) {
      if (type === 'UserLocked') return true;
      if (type === 'UserUnlocked' || type === 'UserRegistered') return false;
    }
    const oldest = page.at(-1)?.revision;
    if (page.length < PAGE || oldest === undefined || oldest === 0n) return false;
    from = oldest - 1n;
  }
}
