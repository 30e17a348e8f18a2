/** What an append expects of the stream, as EventStoreDB defines it. */
export type ExpectedRevision =
  { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'exact'; revision: number };

export interface ProposedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Buffer;
  readonly metadata: Buffer;
}

export type AppendOutcome =
  | { kind: 'success'; currentRevision: number; position: number }
  /** An empty append to a stream that does not exist. */
  | { kind: 'success-no-stream' }
  | { kind: 'wrong-expected-version'; expected: ExpectedRevision; currentRevision: number | undefined };
