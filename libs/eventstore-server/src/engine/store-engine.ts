import { EventLogFile } from '../storage/event-log-file';
import { encodeRecord } from '../storage/record-codec';
import { dataOf, type NewRecord, type StoredEvent } from '../storage/stored-event';
import { PayloadSlab } from './payload-slab';
import { type AppendOutcome, type ExpectedRevision, type ProposedEvent } from './expected-revision';
import { StreamIndex } from './stream-index';

const TICKS_AT_UNIX_EPOCH = 0n;
const TICKS_PER_MS = 10_000n;

interface PendingAppend {
  readonly stream: StreamIndex;
  readonly records: NewRecord[];
  readonly buffers: Buffer[];
  readonly resolve: (outcome: AppendOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The embedded store's state and its write path. Expected-revision checks and revision assignment happen
 * synchronously (Node runs one at a time, so they are atomic per stream); the durable write is group-committed: every
 * append that arrives while a write+fdatasync is in flight goes into the next one. Readers and subscribers only ever
 * see durable events, in log order.
 */
export class StoreEngine {
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StreamIndex>();
  private readonly names = new Map<string, string>();
  private readonly payloads = new PayloadSlab();
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private readonly commitListeners = new Set<() => void>();
  private waitingForCommit: {
    revision: number;
    stream: StreamIndex;
    resolve: () => void;
    reject: (error: Error) => void;
  }[] = [];

  private constructor(private log: EventLogFile | undefined) {}

  static async open(
    dataDir: string,
    fsync: boolean,
  ): Promise<{ engine: StoreEngine; truncatedBytes: number }> {
    const engine = new StoreEngine(undefined);
    const { log, truncatedBytes } = await EventLogFile.open(dataDir, fsync, (event) =>
      engine.index(event, event.position),
    );
    engine.log = log;
    return { engine, truncatedBytes };
  }

  get lastPosition(): number {
    return this.all.length === 0 ? 0 : this.all[this.all.length - 1]!.position;
  }

  stream(name: string): StreamIndex | undefined {
    return this.streams.get(name);
  }

  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  append(
    streamName: string,
    expected: ExpectedRevision,
    events: readonly ProposedEvent[],
  ): Promise<AppendOutcome> {
    if (this.failure) return Promise.reject(this.failure);
    // Kept only once something is written to it: a refused or empty append leaves no trace.
    const stream = this.streams.get(streamName) ?? new StreamIndex(streamName);
    const current = stream.exists ? stream.nextRevision - 1 : undefined;

    // EventStoreDB refuses stream_exists on a missing (or soft-deleted) stream before it looks for a replay.
    if (expected.kind === 'stream_exists' && !stream.exists) return this.refused(stream, expected, current);
    const replay = this.idempotentReplay(stream, expected, events);
    if (replay === 'partly-written') return this.refused(stream, expected, current);
    if (replay !== undefined) return this.whenCommitted(stream, replay);

    if (!satisfies(expected, stream, current)) return this.refused(stream, expected, current);
    if (events.length === 0) {
      if (current === undefined) return Promise.resolve({ kind: 'success-no-stream' });
      return this.whenCommitted(stream, current);
    }

    const createdTicks = TICKS_AT_UNIX_EPOCH + BigInt(Date.now()) * TICKS_PER_MS;
    const records: NewRecord[] = events.map((e, i) => ({
      streamName,
      revision: stream.nextRevision + i,
      eventId: e.eventId,
      type: e.type,
      contentType: e.contentType,
      createdTicks,
      data: e.data,
      metadata: e.metadata,
    }));
    let buffers: Buffer[];
    try {
      buffers = records.map(encodeRecord);
    } catch (error) {
      // Whatever the checks before missed is this append's refusal, not an exception in the caller's stream handler.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.streams.set(streamName, stream);
    for (const r of records) {
      stream.revisionOfId.set(r.eventId, r.revision);
      stream.eventIds.push(r.eventId);
    }
    stream.deleted = false;
    return new Promise<AppendOutcome>((resolve, reject) => {
      this.queue.push({ stream, records, buffers, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Soft delete: the stream reads as not found until appended to again, and numbering continues. */
  async softDelete(streamName: string, expected: ExpectedRevision): Promise<AppendOutcome> {
    const stream = this.streams.get(streamName);
    const current = stream?.exists ? stream.nextRevision - 1 : undefined;
    if (!stream || current === undefined) {
      return { kind: 'wrong-expected-version', expected, currentRevision: undefined };
    }
    if (!satisfies(expected, stream, current)) return this.refused(stream, expected, current);
    // Checked and queued in one synchronous step, as one decision (no await before the append below).
    const metadata = { ...this.currentMetadata(streamName), $tb: current + 1 };
    const outcome = await this.append(`$$${streamName}`, { kind: 'any' }, [
      {
        eventId: crypto.randomUUID(),
        type: '$metadata',
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify(metadata)),
        metadata: Buffer.alloc(0),
      },
    ]);
    // Whether it reads as deleted was settled as the metadata was indexed: an append that raced in after the check
    // (allowed by the same expected revision) left it alive, past the $tb.
    return outcome;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.log?.close();
  }

  private currentMetadata(streamName: string): Record<string, unknown> {
    const meta = this.streams.get(`$$${streamName}`);
    const last = meta?.committed[meta.committed.length - 1];
    if (!last) return {};
    try {
      return JSON.parse(dataOf(last).toString('utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  private streamFor(name: string): StreamIndex {
    let stream = this.streams.get(name);
    if (!stream) {
      stream = new StreamIndex(name);
      this.streams.set(name, stream);
    }
    return stream;
  }

  /**
   * EventStoreDB's idempotence: events whose ids already sit in the stream, in the same order, at the place the
   * expected revision points to, are acknowledged again instead of appended twice. An append under `any` or
   * `stream_exists` whose first event is written but not the rest is `partly-written`, which EventStoreDB answers as
   * a wrong expected version (writing the rest would write the first one twice).
   */
  private idempotentReplay(
    stream: StreamIndex,
    expected: ExpectedRevision,
    events: readonly ProposedEvent[],
  ): number | 'partly-written' | undefined {
    if (events.length === 0) return undefined;
    const first = stream.revisionOfId.get(events[0]!.eventId);
    if (first === undefined) return undefined;
    const anywhere = expected.kind === 'any' || expected.kind === 'stream_exists';
    const placed =
      anywhere ||
      (expected.kind === 'exact' && expected.revision + 1 === first) ||
      (expected.kind === 'no_stream' && first === 0);
    if (!placed) return undefined;
    for (let i = 0; i < events.length; i++) {
      if (stream.eventIds[first + i] !== events[i]!.eventId) return anywhere ? 'partly-written' : undefined;
    }
    return first + events.length - 1;
  }

  /**
   * A wrong expected revision. The revision it lost to may still be on its way to disk, unreadable: answered once it
   * is readable, so the loser's next read shows what it lost to (else it decides again on the same state and loses
   * again).
   */
  private refused(
    stream: StreamIndex,
    expected: ExpectedRevision,
    current: number | undefined,
  ): Promise<AppendOutcome> {
    const refusal: AppendOutcome = { kind: 'wrong-expected-version', expected, currentRevision: current };
    if (current !== undefined && stream.committed.length <= current)
      return this.whenCommitted(stream, current).then(() => refusal);
    return Promise.resolve(refusal);
  }

  private whenCommitted(stream: StreamIndex, revision: number): Promise<AppendOutcome> {
    const outcome = (): AppendOutcome => ({
      kind: 'success',
      currentRevision: revision,
      position: stream.committed[revision]!.position,
    });
    if (stream.committed.length > revision) return Promise.resolve(outcome());
    return new Promise((resolve, reject) =>
      this.waitingForCommit.push({ revision, stream, resolve: () => resolve(outcome()), reject }),
    );
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        let position: number;
        try {
          position = await this.log!.append(batch.flatMap((p) => p.buffers));
        } catch (error) {
          // Revisions were promised in memory; after a failed write the only safe state is a stopped store.
          const failure = new Error(`event log write failed, store stopped: ${(error as Error).message}`);
          this.failure = failure;
          for (const p of [...batch, ...this.queue]) p.reject(failure);
          // Repeats and empty appends waiting for those revisions would otherwise wait for a commit that never comes.
          for (const w of this.waitingForCommit) w.reject(failure);
          this.queue = [];
          this.waitingForCommit = [];
          return;
        }
        for (const pending of batch) {
          let last = position;
          pending.records.forEach((record, i) => {
            last = position;
            this.index(record, position);
            position += pending.buffers[i]!.length;
          });
          pending.resolve({
            kind: 'success',
            currentRevision: pending.records[pending.records.length - 1]!.revision,
            position: last,
          });
        }
        this.releaseWaiters();
        for (const listener of this.commitListeners) listener();
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private releaseWaiters(): void {
    if (this.waitingForCommit.length === 0) return;
    const still: typeof this.waitingForCommit = [];
    for (const w of this.waitingForCommit) {
      if (w.stream.committed.length > w.revision) w.resolve();
      else still.push(w);
    }
    this.waitingForCommit = still;
  }

  /**
   * Adds a durable event to the indexes: on recovery, and after each group commit. The event keeps its stream's
   * name and one copy of each type and content type (every event held in memory has its own otherwise), and its data
   * and metadata go into the payload slab.
   */
  private index(record: NewRecord, position: number): void {
    const stream = this.streamFor(record.streamName);
    if (stream.committed.length !== record.revision) {
      throw new Error(
        `log out of order: ${record.streamName}@${record.revision} after ${stream.committed.length - 1}`,
      );
    }
    const { payload, start } = this.payloads.keep(record.data, record.metadata);
    const event: StoredEvent = {
      position,
      streamName: stream.name,
      revision: record.revision,
      eventId: record.eventId,
      type: this.oneCopyOf(record.type),
      contentType: this.oneCopyOf(record.contentType),
      createdTicks: record.createdTicks,
      payload,
      dataStart: start,
      metadataStart: start + record.data.length,
      metadataEnd: start + record.data.length + record.metadata.length,
    };
    stream.committed.push(event);
    if (stream.eventIds.length <= event.revision) {
      stream.eventIds.push(event.eventId);
      stream.revisionOfId.set(event.eventId, event.revision);
    }
    this.all.push(event);
    if (event.streamName.startsWith('$$') && event.type === '$metadata') this.applyMetadata(event);
    // Recovery: an event past the $tb of a deletion recreated the stream.
    else if (stream.deleted && event.revision >= stream.truncateBefore) stream.deleted = false;
  }

  private oneCopyOf(name: string): string {
    const kept = this.names.get(name);
    if (kept !== undefined) return kept;
    this.names.set(name, name);
    return name;
  }

  private applyMetadata(event: StoredEvent): void {
    const target = this.streamFor(event.streamName.slice(2));
    try {
      const meta = JSON.parse(dataOf(event).toString('utf8')) as { $tb?: unknown; $maxCount?: unknown };
      target.truncateBefore = typeof meta.$tb === 'number' ? meta.$tb : 0;
      target.maxCount = typeof meta.$maxCount === 'number' ? meta.$maxCount : undefined;
      // Recovery: a stream whose $tb is past its last event was soft-deleted and not appended to since.
      target.deleted = target.eventIds.length > 0 && target.truncateBefore >= target.eventIds.length;
    } catch {
      // Metadata that is not JSON has no effect, as in EventStoreDB.
    }
  }
}

function satisfies(expected: ExpectedRevision, stream: StreamIndex, current: number | undefined): boolean {
  switch (expected.kind) {
    case 'any':
      return true;
    case 'no_stream':
      return !stream.exists;
    case 'stream_exists':
      return stream.exists;
    case 'exact':
      return current === expected.revision;
  }
}
