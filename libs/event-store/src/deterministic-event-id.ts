import { v5 as uuidv5 } from 'uuid';

// Fixed namespace: event ids must be the same for the same command across processes and restarts.
const EVENT_ID_NAMESPACE = '6f1c7d3e-5a8b-4c2d-9e0f-1a2b3c4d5e6f';

/**
 * The id of the `index`-th event a command produces in a stream. A retried command yields the same ids; the same
 * command id in two streams yields different ones (consumers key deliveries on event ids).
 */
export function deterministicEventId(streamName: string, commandId: string, index: number): string {
  return uuidv5(`${streamName}\u0000${commandId}/${index}`, EVENT_ID_NAMESPACE);
}
