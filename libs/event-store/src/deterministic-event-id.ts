import { v5 as uuidv5 } from 'uuid';

// Fixed namespace: event ids must be the same for the same command across processes and restarts.
const EVENT_ID_NAMESPACE = '6f1c7d3e-5a8b-4c2d-9e0f-1a2b3c4d5e6f';

/**
 * The id of the `index`-th event a command produces in a stream, given its chain hash. A retried command whose
 * events are the same yields the same ids, so the store acknowledges the retry instead of appending it twice; the
 * same command id in two streams yields different ones (consumers key deliveries on event ids). The hash is in the
 * id because the store's replay answer says nothing about what is stored: two handlings of one command that raced
 * with different content (another trace, another message id) must conflict, not have the loser take the winner's
 * stored events for its own and cache a chain head the store does not hold. Events decided on a cached state that was
 * not read back first get a per-handling suffix in `chainHash` (AggregateStore.handle), so they never match stored ones.
 */
export function deterministicEventId(
  streamName: string,
  commandId: string,
  index: number,
  chainHash: string,
): string {
  return uuidv5(`${streamName}\u0000${commandId}/${index}\u0000${chainHash}`, EVENT_ID_NAMESPACE);
}
