import { v5 as uuidv5 } from 'uuid';

// Fixed namespace: event ids must be the same for the same command across processes and restarts.
const EVENT_ID_NAMESPACE = '6f1c7d3e-5a8b-4c2d-9e0f-1a2b3c4d5e6f';

/**
 * The id of the `index`-th event a command produces. A retried command yields the same ids, so the event store's
 * idempotent append turns a duplicate into a no-op instead of a second copy.
 */
export function deterministicEventId(commandId: string, index: number): string {
  return uuidv5(`${commandId}/${index}`, EVENT_ID_NAMESPACE);
}
