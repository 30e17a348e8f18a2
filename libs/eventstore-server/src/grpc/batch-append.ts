import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { type ExpectedRevision, type ProposedEvent } from '../engine/expected-revision';
import { type StoreEngine } from '../engine/store-engine';
import { AppendSize, batchError, eventRefusal, streamRefusal, type AppendRefusal } from './append-rules';
import { anyPb, emptyPb, sharedPb, statusPb, streamsPb } from './generated';
import { type AppendLimits } from './streams-service';
import { streamIdentifier, streamNameOf, uuidFromMessage } from './uuid-message';

const { BatchAppendReq, BatchAppendResp } = streamsPb;
type Req = InstanceType<typeof BatchAppendReq>;
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
 * completion order; the client matches them by correlation id. Saves a gRPC call per append.
 */
export function handleBatchAppend(
  engine: StoreEngine,
  limits: AppendLimits,
  call: ServerDuplexStream<Req, Resp>,
): void {
  const open = new Map<string, OpenAppend>();
  call.on('data', (req: Req) => {
    const correlation = req.getCorrelationId();
    const id = uuidFromMessage(correlation);
    if (!id || !correlation) return;
    let append = open.get(id);
    const options = req.getOptions();
    if (!append) {
      if (!options)
        return call.write(failure(correlation, '', status.INVALID_ARGUMENT, 'first request needs options'));
      append = {
        stream: streamNameOf(options.getStreamIdentifier()),
        expected: expectedOf(options),
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
    for (const message of req.getProposedMessagesList()) {
      if (append.refused) break;
      const map = message.getMetadataMap();
      const eventId = uuidFromMessage(message.getId());
      const type = map.get('type');
      const contentType = map.get('content-type');
      if (!eventId || type === undefined || contentType === undefined) {
        refuse({ kind: 'bad-request', message: 'every event needs an id, a type and a content type' });
        break;
      }
      const event: ProposedEvent = {
        eventId,
        type,
        contentType,
        data: Buffer.from(message.getData_asU8()),
        metadata: Buffer.from(message.getCustomMetadata_asU8()),
      };
      const refusal = eventRefusal(event) ?? append.size.add(event);
      if (refusal) refuse(refusal);
      else append.events.push(event);
    }
    if (!req.getIsFinal()) return;
    open.delete(id);
    if (append.refused) return;
    const { stream, expected, events } = append;
    engine.append(stream, expected, events).then(
      (outcome) => {
        if (call.cancelled) return;
        const resp = new BatchAppendResp()
          .setCorrelationId(correlation)
          .setStreamIdentifier(streamIdentifier(stream));
        if (outcome.kind === 'wrong-expected-version') {
          call.write(resp.setError(wrongExpectedVersion(outcome.currentRevision, expected)));
          return;
        }
        const success = new BatchAppendResp.Success();
        if (outcome.kind === 'success') {
          success
            .setCurrentRevision(String(outcome.currentRevision))
            .setPosition(
              new sharedPb.AllStreamPosition()
                .setCommitPosition(String(outcome.position))
                .setPreparePosition(String(outcome.position)),
            );
        } else {
          success.setNoStream(new emptyPb.Empty() as never).setNoPosition(new emptyPb.Empty() as never);
        }
        call.write(resp.setSuccess(success));
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

function expectedOf(options: InstanceType<typeof BatchAppendReq.Options>): ExpectedRevision {
  const cases = BatchAppendReq.Options.ExpectedStreamPositionCase;
  switch (options.getExpectedStreamPositionCase()) {
    case cases.STREAM_POSITION:
      return { kind: 'exact', revision: Number(options.getStreamPosition()) };
    case cases.NO_STREAM:
      return { kind: 'no_stream' };
    case cases.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return { kind: 'any' };
  }
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

function refused(
  correlation: InstanceType<typeof sharedPb.UUID>,
  stream: string,
  refusal: AppendRefusal,
): Resp {
  const { code, message, detail, typeName } = batchError(refusal);
  return new BatchAppendResp()
    .setCorrelationId(correlation)
    .setStreamIdentifier(streamIdentifier(stream))
    .setError(errorStatus(code, message, detail, typeName));
}

function failure(
  correlation: InstanceType<typeof sharedPb.UUID>,
  stream: string,
  code: number,
  message: string,
): Resp {
  return new BatchAppendResp()
    .setCorrelationId(correlation)
    .setStreamIdentifier(streamIdentifier(stream))
    .setError(
      errorStatus(code, message, new sharedPb.Unknown().serializeBinary(), 'event_store.client.Unknown'),
    );
}
