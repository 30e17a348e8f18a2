/** One event as the log keeps it. `position` is its byte offset in the log: commit and prepare position alike. */
export interface StoredEvent {
  readonly position: number;
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

export type NewRecord = Omit<StoredEvent, 'position'>;
