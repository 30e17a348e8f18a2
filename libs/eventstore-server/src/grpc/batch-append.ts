import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { type ExpectedRevision, type ProposedEvent } from '../engine/expected-revision';
import { type StoreEngine } from '../engine/store-engine';
import { AppendSize, batchError, eventRefusal, streamRefusal, type AppendRefusal } from './append-rules';
import { anyPb, emptyPb, sharedPb, statusPb, streamsPb } from './generated';
import { type AppendLimits } from './streams-service';
import { streamIdentifier } from './uuid-message';
import {
  decodeBatchAppendReq,
  encodeBatchAppendSuccess,
  withCorrelation,
  type BatchAppendRequest,
} from './batch-append-wire';

const { BatchAppendResp } = streamsPb;
type Resp = InstanceType<typeof BatchAppendResp>;

interface OpenAppend {
  stream: string;
  expected: ExpectedRevision;
  events: ProposedEvent[];
  size: AppendSize;
  /** Refused: answered already; later chunks of the same append are ignored until its final one. */
  refused: boolean;
}

/**
 * `Streams.BatchAppend`: one long-lived bidirectional stream per client carries every append, each identified by a
 * correlation id and possibly split over several requests (options first, `is_final` last). Answers go back in
 * completion order; the client matches them by correlation id. Saves a gRPC call per append. Requests arrive decoded
 * by `decodeBatchAppendReq` (see `batchAppendMethod`); a success is answered as bytes, anything else as a message.
 */
export function handleBatchAppend(
  engine: StoreEngine,
  limits: AppendLimits,
  call: ServerDuplexStream<BatchAppendRequest, Buffer>,
): void {
  const open = new Map<string, OpenAppend>();
  call.on('data', (req: BatchAppendRequest) => {
    const { correlation, correlationId: id, options } = req;
    if (!id || !correlation) return;
    let append = open.get(id);
    if (!append) {
      if (!options)
        return call.write(failure(correlation, '', status.INVALID_ARGUMENT, 'first request needs options'));
      append = {
        stream: options.streamName,
        expected: options.expected,
        events: [],
        size: new AppendSize(limits.maxAppendSize),
        refused: false,
      };
      open.set(id, append);
    }
    const refuse = (refusal: AppendRefusal) => {
      append.refused = true;
      call.write(refused(correlation, append.stream, refusal));
    };
    if (!append.refused) {
      const denied = streamRefusal(append.stream);
      if (denied) refuse(denied);
    }
    for (const message of req.messages) {
      if (append.refused) break;
      const type = message.metadata.get('type');
      const contentType = message.metadata.get('content-type');
      if (!message.id || type === undefined || contentType === undefined) {
        refuse({ kind: 'bad-request', message: 'every event needs an id, a type and a content type' });
        break;
      }
      const event: ProposedEvent = {
        eventId: message.id,
        type,
        contentType,
        data: message.data,
        metadata: message.customMetadata,
      };
      const refusal = eventRefusal(event) ?? append.size.add(event);
      if (refusal) refuse(refusal);
      else append.events.push(event);
    }
    if (!req.isFinal) return;
    open.delete(id);
    if (append.refused) return;
    const { stream, expected, events } = append;
    engine.append(stream, expected, events).then(
      (outcome) => {
        if (call.cancelled) return;
        if (outcome.kind === 'wrong-expected-version') {
          call.write(
            answerFor(
              correlation,
              new BatchAppendResp()
                .setStreamIdentifier(streamIdentifier(stream))
                .setError(wrongExpectedVersion(outcome.currentRevision, expected)),
            ),
          );
          return;
        }
        call.write(
          encodeBatchAppendSuccess(correlation, stream, outcome.kind === 'success' ? outcome : 'no-stream'),
        );
      },
      (error: unknown) => {
        if (!call.cancelled)
          call.write(failure(correlation, stream, status.UNAVAILABLE, (error as Error).message));
      },
    );
  });
  call.on('end', () => call.end());
  call.on('error', () => undefined);
}

/**
 * `BatchAppend` as the generated service defines it, but with requests decoded and answers encoded by
 * `batch-append-wire` (the bodies of refusals and errors still built as generated messages).
 */
export function batchAppendMethod<M extends object>(generated: M): M {
  return {
    ...generated,
    requestDeserialize: decodeBatchAppendReq,
    responseSerialize: (answer: Buffer) => answer,
  };
}

/**
 * A refusal or an error, built as a generated message, with the correlation id's bytes as the client sent them: read
 * again by the generated classes, bytes the wire reader took could throw (and a throw here would end the process).
 */
function answerFor(correlation: Buffer, answer: Resp): Buffer {
  return withCorrelation(correlation, answer.serializeBinary());
}

function wrongExpectedVersion(current: number | undefined, expected: ExpectedRevision) {
  const details = new sharedPb.WrongExpectedVersion();
  if (current === undefined) details.setCurrentNoStream(new emptyPb.Empty() as never);
  else details.setCurrentStreamRevision(String(current));
  if (expected.kind === 'exact') details.setExpectedStreamPosition(String(expected.revision));
  else if (expected.kind === 'no_stream') details.setExpectedNoStream(new emptyPb.Empty() as never);
  else if (expected.kind === 'stream_exists') details.setExpectedStreamExists(new emptyPb.Empty() as never);
  else details.setExpectedAny(new emptyPb.Empty() as never);
  return errorStatus(
    status.FAILED_PRECONDITION,
    'Wrong expected version',
    details.serializeBinary(),
    'event_store.client.WrongExpectedVersion',
  );
}

function errorStatus(code: number, message: string, detail: Uint8Array, typeName: string) {
  const any = new anyPb.Any();
  any.pack(detail, typeName);
  const result = new statusPb.Status();
  result.setCode(code);
  result.setMessage(message);
  result.setDetails(any);
  return result as never;
}

function refused(correlation: Buffer, stream: string, refusal: AppendRefusal): Buffer {
  const { code, message, detail, typeName } = batchError(refusal);
  return answerFor(
    correlation,
    new BatchAppendResp()
      .setStreamIdentifier(streamIdentifier(stream))
      .setError(errorStatus(code, message, detail, typeName)),
  );
}

function failure(correlation: Buffer, stream: string, code: number, message: string): Buffer {
  return answerFor(
    correlation,
    new BatchAppendResp()
      .setStreamIdentifier(streamIdentifier(stream))
      .setError(
        errorStatus(code, message, new sharedPb.Unknown().serializeBinary(), 'event_store.client.Unknown'),
      ),
  );
}
