import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  StreamNotFoundError,
  type EventStoreDBClient,
  type ResolvedEvent,
} from '@eventstore/db-client';

/**
 * The last event of a stream, or undefined. Reads are always consumed to the end: leaving a gRPC read half-consumed
 * (a `return` inside `for await`) keeps its stream open and makes `client.dispose()` wait forever.
 */
export async function readLastEvent(
  client: EventStoreDBClient,
  streamName: string,
): Promise<ResolvedEvent | undefined> {
  return (await readLastEvents(client, streamName, 1))[0];
}

/** The last `count` events of a stream, newest first; none when the stream does not exist. */
export async function readLastEvents(
  client: EventStoreDBClient,
  streamName: string,
  count: number,
): Promise<ResolvedEvent[]> {
  const events: ResolvedEvent[] = [];
  try {
    for await (const resolved of client.readStream(streamName, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: count,
    })) {
      events.push(resolved);
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return events;
}

/** A whole stream, oldest first; none when the stream does not exist. */
export async function readStreamEvents(
  client: EventStoreDBClient,
  streamName: string,
): Promise<ResolvedEvent[]> {
  const events: ResolvedEvent[] = [];
  try {
    for await (const resolved of client.readStream(streamName, { direction: FORWARDS, fromRevision: START }))
      events.push(resolved);
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return events;
}
