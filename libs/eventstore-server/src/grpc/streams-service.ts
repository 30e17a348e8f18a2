import {
  Metadata,
  status,
  type sendUnaryData,
  type ServerReadableStream,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { type StoreEngine } from '../engine/store-engine';
import { type AppendOutcome, type ExpectedRevision, type ProposedEvent } from '../engine/expected-revision';
import { dataOf, metadataOf, type StoredEvent } from '../storage/stored-event';
import { AppendSize, eventRefusal, streamRefusal, unaryError, type AppendRefusal } from './append-rules';
import { handleBatchAppend } from './batch-append';
import { eventFilterFrom, type EventFilter } from './event-filter';
import { sharedPb, streamsPb } from './generated';
import { streamIdentifier, streamNameOf, uuidFromMessage, uuidMessage } from './uuid-message';
import { pump, write, type ReadCall } from './subscription-pump';

const { ReadReq, ReadResp, AppendReq, AppendResp, DeleteReq, DeleteResp } = streamsPb;
type ReadRespT = InstanceType<typeof ReadResp>;
type AppendReqT = InstanceType<typeof AppendReq>;
type AppendRespT = InstanceType<typeof AppendResp>;
type DeleteReqT = InstanceType<typeof DeleteReq>;
type DeleteRespT = InstanceType<typeof DeleteResp>;

const empty = () => new sharedPb.Empty();

export interface AppendLimits {
  /** EventStoreDB's `MaxAppendSize`: the largest append accepted, in bytes (see append-rules). */
  readonly maxAppendSize: number;
}

/** The `event_store.client.streams.Streams` service over the engine. */
export function streamsService(engine: StoreEngine, limits: AppendLimits): UntypedServiceImplementation {
  return {
    append: (call: ServerReadableStream<AppendReqT, AppendRespT>, callback: sendUnaryData<AppendRespT>) =>
      handleAppend(engine, limits, call, callback),
    read: (call: ReadCall) => {
      handleRead(engine, call).catch((error: unknown) => {
        if (!call.cancelled) call.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    },
    delete: (call: ServerUnaryCall<DeleteReqT, DeleteRespT>, callback: sendUnaryData<DeleteRespT>) =>
      handleDelete(engine, call, callback),
    tombstone: (_call: unknown, callback: sendUnaryData<unknown>) =>
      callback({ code: status.UNIMPLEMENTED, details: 'tombstone is not supported by the embedded server' }),
    batchAppend: (call: Parameters<typeof handleBatchAppend>[2]) => handleBatchAppend(engine, limits, call),
  };
}

function handleAppend(
  engine: StoreEngine,
  limits: AppendLimits,
  call: ServerReadableStream<AppendReqT, AppendRespT>,
  callback: sendUnaryData<AppendRespT>,
): void {
  let options: InstanceType<typeof AppendReq.Options> | undefined;
  const events: ProposedEvent[] = [];
  const size = new AppendSize(limits.maxAppendSize);
  let missingMetadata = false;
  let refusal: AppendRefusal | undefined;
  call.on('data', (req: AppendReqT) => {
    if (req.hasOptions()) {
      options = req.getOptions();
      refusal ??= streamRefusal(streamNameOf(options!.getStreamIdentifier()));
      return;
    }
    const message = req.getProposedMessage();
    if (!message || refusal) return;
    const eventId = uuidFromMessage(message.getId());
    const map = message.getMetadataMap();
    const type = map.get('type');
    const contentType = map.get('content-type');
    if (!eventId || type === undefined || contentType === undefined) {
      missingMetadata = true;
      return;
    }
    const event: ProposedEvent = {
      eventId,
      type,
      contentType,
      data: Buffer.from(message.getData_asU8()),
      metadata: Buffer.from(message.getCustomMetadata_asU8()),
    };
    refusal = eventRefusal(event) ?? size.add(event);
    events.push(event);
  });
  call.on('error', () => undefined);
  call.on('end', () => {
    if (!options) return callback({ code: status.INVALID_ARGUMENT, details: 'append options missing' });
    if (refusal) return callback(unaryError(refusal));
    if (missingMetadata) {
      const md = new Metadata();
      md.set('exception', 'missing-required-metadata-property');
      md.set('required-metadata-properties', 'type,content-type');
      return callback({
        code: status.INVALID_ARGUMENT,
        details: 'Missing required metadata properties',
        metadata: md,
      });
    }
    const stream = streamNameOf(options.getStreamIdentifier());
    const expected = expectedFromCase(options.getExpectedStreamRevisionCase(), () => options!.getRevision());
    engine.append(stream, expected, events).then(
      (outcome) => callback(null, appendResponse(outcome)),
      (error: unknown) => callback({ code: status.UNAVAILABLE, details: (error as Error).message }),
    );
  });
}

function expectedFromCase(kase: number, revision: () => string): ExpectedRevision {
  const cases = AppendReq.Options.ExpectedStreamRevisionCase;
  switch (kase) {
    case cases.REVISION:
      return { kind: 'exact', revision: Number(revision()) };
    case cases.NO_STREAM:
      return { kind: 'no_stream' };
    case cases.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return { kind: 'any' };
  }
}

function appendResponse(outcome: AppendOutcome): AppendRespT {
  const resp = new AppendResp();
  if (outcome.kind === 'success') {
    const position = new AppendResp.Position()
      .setCommitPosition(String(outcome.position))
      .setPreparePosition(String(outcome.position));
    return resp.setSuccess(
      new AppendResp.Success().setCurrentRevision(String(outcome.currentRevision)).setPosition(position),
    );
  }
  if (outcome.kind === 'success-no-stream') {
    return resp.setSuccess(new AppendResp.Success().setNoStream(empty()).setNoPosition(empty()));
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.currentRevision === undefined) wrong.setCurrentNoStream(empty());
  else wrong.setCurrentRevision(String(outcome.currentRevision));
  const e = outcome.expected;
  if (e.kind === 'exact') wrong.setExpectedRevision(String(e.revision));
  else if (e.kind === 'no_stream') wrong.setExpectedNoStream(empty());
  else if (e.kind === 'stream_exists') wrong.setExpectedStreamExists(empty());
  else wrong.setExpectedAny(empty());
  return resp.setWrongExpectedVersion(wrong);
}

function eventResponse(e: StoredEvent): ReadRespT {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(e.eventId))
    .setStreamIdentifier(streamIdentifier(e.streamName))
    .setStreamRevision(String(e.revision))
    .setPreparePosition(String(e.position))
    .setCommitPosition(String(e.position))
    .setCustomMetadata(metadataOf(e))
    .setData(dataOf(e));
  const map = recorded.getMetadataMap();
  map.set('type', e.type);
  map.set('content-type', e.contentType);
  map.set('created', e.createdTicks.toString());
  return new ReadResp().setEvent(
    new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(String(e.position)),
  );
}

async function handleRead(engine: StoreEngine, call: ReadCall): Promise<void> {
  const options = call.request.getOptions();
  if (!options) {
    call.emit('error', { code: status.INVALID_ARGUMENT, details: 'read options missing' });
    return;
  }
  const forwards = options.getReadDirection() === ReadReq.Options.ReadDirection.FORWARDS;
  const count = options.hasCount() ? Number(options.getCount()) : Number.MAX_SAFE_INTEGER;
  const filter = options.hasFilter() ? eventFilterFrom(options.getFilter()!) : undefined;
  const subscription = options.hasSubscription();

  if (options.hasStream()) {
    const streamOptions = options.getStream()!;
    const name = streamNameOf(streamOptions.getStreamIdentifier());
    if (subscription) return subscribeToStream(engine, call, name, streamOptions);
    return readStream(engine, call, name, streamOptions, forwards, count);
  }
  const allOptions = options.getAll()!;
  if (subscription) return subscribeToAll(engine, call, allOptions, filter);
  return readAll(engine, call, allOptions, forwards, count, filter);
}

type StreamOptions = InstanceType<typeof ReadReq.Options.StreamOptions>;
type AllOptions = InstanceType<typeof ReadReq.Options.AllOptions>;

async function readStream(
  engine: StoreEngine,
  call: ReadCall,
  name: string,
  o: StreamOptions,
  forwards: boolean,
  count: number,
): Promise<void> {
  const stream = engine.stream(name);
  if (!stream || !stream.readable) {
    call.write(
      new ReadResp().setStreamNotFound(
        new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(name)),
      ),
    );
    call.end();
    return;
  }
  const first = stream.firstVisibleRevision;
  const last = stream.committed.length - 1;
  let sent = 0;
  if (forwards) {
    const from = o.hasRevision() ? Math.max(Number(o.getRevision()), first) : o.hasEnd() ? last + 1 : first;
    for (let r = from; r <= last && sent < count && !call.cancelled; r++, sent++) {
      await write(call, eventResponse(stream.committed[r]!));
    }
  } else {
    const from = o.hasRevision() ? Math.min(Number(o.getRevision()), last) : o.hasStart() ? first : last;
    for (let r = from; r >= first && sent < count && !call.cancelled; r--, sent++) {
      await write(call, eventResponse(stream.committed[r]!));
    }
  }
  call.end();
}

/** Index of the first event at or after `position` in `$all`. */
function lowerBound(all: readonly StoredEvent[], position: number): number {
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (all[mid]!.position < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function readAll(
  engine: StoreEngine,
  call: ReadCall,
  o: AllOptions,
  forwards: boolean,
  count: number,
  filter: EventFilter | undefined,
): Promise<void> {
  const all = engine.all;
  const position = o.hasPosition() ? Number(o.getPosition()!.getCommitPosition()) : undefined;
  let sent = 0;
  if (forwards) {
    const from = position !== undefined ? lowerBound(all, position) : o.hasEnd() ? all.length : 0;
    for (let i = from; i < all.length && sent < count && !call.cancelled; i++) {
      if (filter && !filter.matches(all[i]!)) continue;
      await write(call, eventResponse(all[i]!));
      sent++;
    }
  } else {
    const from = position !== undefined ? lowerBound(all, position) - 1 : o.hasStart() ? -1 : all.length - 1;
    for (let i = from; i >= 0 && sent < count && !call.cancelled; i--) {
      if (filter && !filter.matches(all[i]!)) continue;
      await write(call, eventResponse(all[i]!));
      sent++;
    }
  }
  call.end();
}

async function subscribeToStream(
  engine: StoreEngine,
  call: ReadCall,
  name: string,
  o: StreamOptions,
): Promise<void> {
  const initial = engine.stream(name);
  let next = o.hasRevision()
    ? Number(o.getRevision()) + 1
    : o.hasEnd()
      ? (initial?.committed.length ?? 0)
      : (initial?.firstVisibleRevision ?? 0);
  await pump(
    engine,
    call,
    async () => {
      const stream = engine.stream(name);
      const event = stream?.committed[next];
      if (!event) return false;
      next++;
      await write(call, eventResponse(event));
      return true;
    },
    async () => undefined,
  );
}

async function subscribeToAll(
  engine: StoreEngine,
  call: ReadCall,
  o: AllOptions,
  filter: EventFilter | undefined,
): Promise<void> {
  const all = engine.all;
  let next = o.hasPosition()
    ? lowerBound(all, Number(o.getPosition()!.getCommitPosition()) + 1)
    : o.hasEnd()
      ? all.length
      : 0;
  let considered = 0;
  let lastCheckpointAt = next;
  const checkpoint = async (event: StoredEvent) => {
    lastCheckpointAt = next;
    await write(
      call,
      new ReadResp().setCheckpoint(
        new ReadResp.Checkpoint()
          .setCommitPosition(String(event.position))
          .setPreparePosition(String(event.position)),
      ),
    );
  };
  await pump(
    engine,
    call,
    async () => {
      const event = all[next];
      if (!event) return false;
      next++;
      if (!filter || filter.matches(event)) await write(call, eventResponse(event));
      if (filter && ++considered % filter.checkpointEvery === 0) await checkpoint(event);
      return true;
    },
    // A filtered subscriber that saw nothing it wanted still learns how far the scan got.
    async () => {
      if (filter && next > lastCheckpointAt && next > 0) await checkpoint(all[next - 1]!);
    },
  );
}

function handleDelete(
  engine: StoreEngine,
  call: ServerUnaryCall<DeleteReqT, DeleteRespT>,
  callback: sendUnaryData<DeleteRespT>,
): void {
  const options = call.request.getOptions();
  if (!options) return callback({ code: status.INVALID_ARGUMENT, details: 'delete options missing' });
  const name = streamNameOf(options.getStreamIdentifier());
  const cases = DeleteReq.Options.ExpectedStreamRevisionCase;
  const kase = options.getExpectedStreamRevisionCase();
  const expected: ExpectedRevision =
    kase === cases.REVISION
      ? { kind: 'exact', revision: Number(options.getRevision()) }
      : kase === cases.NO_STREAM
        ? { kind: 'no_stream' }
        : kase === cases.STREAM_EXISTS
          ? { kind: 'stream_exists' }
          : { kind: 'any' };
  engine.softDelete(name, expected).then(
    (outcome) => {
      if (outcome.kind === 'wrong-expected-version') {
        const md = new Metadata();
        md.set('exception', 'wrong-expected-version');
        md.set('stream-name', name);
        md.set('expected-version', expected.kind === 'exact' ? String(expected.revision) : '-2');
        md.set(
          'actual-version',
          outcome.currentRevision === undefined ? '-1' : String(outcome.currentRevision),
        );
        return callback({
          code: status.FAILED_PRECONDITION,
          details: 'Wrong expected version',
          metadata: md,
        });
      }
      const position = outcome.kind === 'success' ? String(outcome.position) : '0';
      callback(
        null,
        new DeleteResp().setPosition(
          new DeleteResp.Position().setCommitPosition(position).setPreparePosition(position),
        ),
      );
    },
    (error: unknown) => callback({ code: status.UNAVAILABLE, details: (error as Error).message }),
  );
}
