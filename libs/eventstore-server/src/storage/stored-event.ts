/** One event as the log records it. */
export interface NewRecord {
  readonly streamName: string;
  readonly revision: number;
  /** Canonical lower-case UUID string. */
  readonly eventId: string;
  readonly type: string;
  readonly contentType: string;
  /** .NET ticks (100 ns) since the Unix epoch, as EventStoreDB reports `created`. */
  readonly createdTicks: bigint;
  readonly data: Buffer;
  readonly metadata: Buffer;
}

/**
 * A record read back from the log. `position` is its byte offset in the log: commit and prepare position alike.
 * `data` and `metadata` are views into the bytes read: whoever keeps them copies them.
 */
export interface LoggedRecord extends NewRecord {
  readonly position: number;
}

/**
 * One event as the store holds it in memory. Its data and metadata sit side by side in a payload buffer shared with
 * other events, so holding an event costs the heap no Buffer object of its own.
 */
export interface StoredEvent extends Omit<NewRecord, 'data' | 'metadata'> {
  readonly position: number;
  readonly payload: Buffer;
  readonly dataStart: number;
  readonly metadataStart: number;
  readonly metadataEnd: number;
}

export function dataOf(event: StoredEvent): Buffer {
  return event.payload.subarray(event.dataStart, event.metadataStart);
}

export function metadataOf(event: StoredEvent): Buffer {
  return event.payload.subarray(event.metadataStart, event.metadataEnd);
}
