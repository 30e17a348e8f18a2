import { type ClientDuplexStream, type Metadata, type CallOptions } from '@grpc/grpc-js';
import { type AppendResult, type EventData } from '@eventstore/db-client';
import * as batchAppendModule from '@eventstore/db-client/dist/streams/appendToStream/batchAppend';
import {
  unpackToCommandError,
  unpackWrongExpectedVersion,
} from '@eventstore/db-client/dist/streams/appendToStream/unpackError';
import {
  backpressuredWrite,
  convertToCommandError,
  createStreamIdentifier,
  createUUID,
  parseUUID,
} from '@eventstore/db-client/dist/utils';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import { BatchAppendReq, type BatchAppendResp } from '@eventstore/db-client/generated/streams_pb';
import { Empty, type UUID } from '@eventstore/db-client/generated/shared_pb';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/*
 * @eventstore/db-client 6.x keeps the appends waiting on any BatchAppend stream in one table shared by every client in
 * the process, and empties it (failing them all) when any one stream ends in error: disposing one client, or losing
 * one connection, failed the appends other clients had in flight, and their answers then threw inside the library
 * ("undefined is not iterable"). Its successor, @kurrent/kurrentdb-client, keeps one table per stream. This gives
 * 6.x the same: `appendToStream` looks the function up on its module at each call, so replacing it there is enough.
 */

type Settle = [resolve: (result: AppendResult) => void, reject: (error: unknown) => void];
type AppendStream = ClientDuplexStream<BatchAppendReq, BatchAppendResp>;

/** What of the library's (protected) client this needs. */
interface AppendingClient {
  readonly throwOnAppendFailure: boolean;
  GRPCStreamCreator(
    client: typeof StreamsClient,
    debugName: string,
    creator: (client: StreamsClient) => AppendStream,
    cache: WeakMap<StreamsClient, AppendStream | Promise<AppendStream>>,
  ): () => Promise<AppendStream>;
  callArguments(options: object, callOptions?: CallOptions): [Metadata, CallOptions];
  createDeadline(deadline?: number): Date;
}

interface BatchAppendOptions {
  readonly expectedRevision: 'any' | 'no_stream' | 'stream_exists' | bigint;
  readonly batchAppendSize: number;
  readonly deadline?: number;
  readonly [option: string]: unknown;
}

const streams = new WeakMap<StreamsClient, AppendStream | Promise<AppendStream>>();
const waitingOn = new WeakMap<AppendStream, Map<string, Settle>>();

async function batchAppendPerStream(
  this: AppendingClient,
  streamName: string,
  events: EventData[],
  { expectedRevision, batchAppendSize, ...baseOptions }: BatchAppendOptions,
): Promise<AppendResult> {
  const stream = await this.GRPCStreamCreator(
    StreamsClient,
    'appendToStream',
    (grpc) => openAppendStream(this, grpc, baseOptions),
    streams,
  )();
  const waiting = waitingOn.get(stream)!;
  const correlationId = randomUUID();
  const options = new BatchAppendReq.Options()
    .setStreamIdentifier(createStreamIdentifier(streamName))
    .setDeadline(Timestamp.fromDate(this.createDeadline(baseOptions.deadline)));
  if (expectedRevision === 'any') options.setAny(new Empty());
  else if (expectedRevision === 'no_stream') options.setNoStream(new Empty());
  else if (expectedRevision === 'stream_exists') options.setStreamExists(new Empty());
  else options.setStreamPosition(expectedRevision.toString(10));
  // Built whole before any is written: an event that cannot be encoded fails the append with nothing sent.
  const requests = [...requestsFor(events, createUUID(correlationId), options, batchAppendSize)];
  const answered = new Promise<AppendResult>((resolve, reject) =>
    waiting.set(correlationId, [resolve, reject]),
  );
  // Not awaited: a write waiting for the stream to drain is never released when the stream fails, while the stream's
  // failure does reach `answered`.
  void (async () => {
    for (const request of requests) await backpressuredWrite(stream, request);
  })().catch((error: unknown) => {
    const settle = waiting.get(correlationId);
    waiting.delete(correlationId);
    settle?.[1](convertToCommandError(error as Error));
  });
  return answered;
}

function openAppendStream(client: AppendingClient, grpc: StreamsClient, baseOptions: object): AppendStream {
  const stream = grpc.batchAppend(...client.callArguments(baseOptions, { deadline: Infinity }));
  const waiting = new Map<string, Settle>();
  waitingOn.set(stream, waiting);
  const failAll = (failure: unknown) => {
    for (const [, reject] of waiting.values()) reject(failure);
    waiting.clear();
  };
  stream.on('data', (answer: BatchAppendResp) => settle(client, waiting, answer));
  stream.on('error', (error: Error) => failAll(convertToCommandError(error)));
  // The server ended the call without an error: nothing more will be answered on it. Ending our side lets the
  // library forget the stream, so the next append opens a new one.
  stream.on('status', (status: { code: number }) => {
    if (status.code !== 0) return;
    failAll(
      new Error('the event store ended the append stream; appends still waiting on it were not answered'),
    );
    stream.end();
  });
  return stream;
}

function settle(client: AppendingClient, waiting: Map<string, Settle>, answer: BatchAppendResp): void {
  const id = parseUUID(answer.getCorrelationId());
  const settleOne = id === undefined ? undefined : waiting.get(id);
  if (!settleOne) return; // not ours to answer: its append already failed with its stream
  waiting.delete(id!);
  const [resolve, reject] = settleOne;
  try {
    resolve(resultOf(client, answer));
  } catch (error) {
    reject(error); // a refusal, or an answer that is neither a success nor a readable error
  }
}

function resultOf(client: AppendingClient, answer: BatchAppendResp): AppendResult {
  if (answer.hasError()) {
    const status = answer.getError()!;
    // (The library answers this with the revision 1n whenever the stream exists; this is the stream's revision.)
    const wrong = client.throwOnAppendFailure ? null : unpackWrongExpectedVersion(status);
    if (wrong)
      return {
        success: false,
        nextExpectedRevision: wrong.hasCurrentStreamRevision()
          ? BigInt(wrong.getCurrentStreamRevision())
          : -1n,
        position: undefined,
      };
    const streamName = Buffer.from(answer.getStreamIdentifier()?.getStreamName() ?? '').toString('utf8');
    throw unpackToCommandError(status, streamName);
  }
  const success = answer.getSuccess();
  if (!success) throw new Error('the event store answered an append with neither a success nor an error');
  const position = success.getPosition();
  return {
    success: true,
    nextExpectedRevision: BigInt(success.getCurrentRevision()),
    position: position
      ? { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) }
      : undefined,
  };
}

/** The append as requests of at most `maxBytes` of events each: options on the first, `is_final` on the last. */
function* requestsFor(
  events: readonly EventData[],
  correlation: UUID,
  options: BatchAppendReq.Options,
  maxBytes: number,
): Generator<BatchAppendReq> {
  let request = new BatchAppendReq().setOptions(options).setCorrelationId(correlation).setIsFinal(false);
  let bytes = 0;
  for (const event of events) {
    const message = proposedMessage(event);
    const size = message.serializeBinary().length;
    if (bytes > 0 && bytes + size >= maxBytes) {
      yield request;
      request = new BatchAppendReq().setCorrelationId(correlation).setIsFinal(false);
      bytes = 0;
    }
    bytes += size;
    request.addProposedMessages(message);
  }
  yield request.setIsFinal(true);
}

function proposedMessage(event: EventData): BatchAppendReq.ProposedMessage {
  const message = new BatchAppendReq.ProposedMessage().setId(createUUID(event.id));
  message.getMetadataMap().set('type', event.type).set('content-type', event.contentType);
  message.setData(
    event.contentType === 'application/json' ? jsonBytes(event.data) : (event.data as Uint8Array),
  );
  // As the library: no metadata for a falsy value; bytes as they are (a Buffer too, which it would JSON-encode).
  if (event.metadata)
    message.setCustomMetadata(
      event.metadata instanceof Uint8Array ? event.metadata : jsonBytes(event.metadata),
    );
  return message;
}

function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** The version whose internals (deep imports, the client's protected members) this was written and tested against. */
const WRITTEN_FOR = '6.2.1';

/** Installs the per-stream table; fails loudly on another version of the library, whose internals may differ. */
export function isolateBatchAppendsPerStream(): void {
  const { version } = JSON.parse(
    readFileSync(require.resolve('@eventstore/db-client/package.json'), 'utf8'),
  ) as { version: string };
  const module = batchAppendModule as { batchAppend: unknown };
  if (version !== WRITTEN_FOR || typeof module.batchAppend !== 'function')
    throw new Error(
      `@eventstore/db-client ${version} is not the ${WRITTEN_FOR} batch-append-per-stream.ts replaces parts of: review it`,
    );
  module.batchAppend = batchAppendPerStream;
}
