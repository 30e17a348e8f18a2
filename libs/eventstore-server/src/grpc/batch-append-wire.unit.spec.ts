import fc from 'fast-check';
import { decodeBatchAppendReq, encodeBatchAppendSuccess, withCorrelation } from './batch-append-wire';
import { emptyPb, sharedPb, streamsPb } from './generated';
import { uuidFromMessage } from './uuid-message';

const { BatchAppendReq, BatchAppendResp } = streamsPb;
type Options = InstanceType<typeof BatchAppendReq.Options>;

/** A request as the official client's generated classes write it. */
function request(
  build: (req: InstanceType<typeof BatchAppendReq>) => void,
  correlation = new sharedPb.UUID().setString('0F8FAD5B-D9CB-469F-A165-70867728950E'),
): Buffer {
  const req = new BatchAppendReq().setCorrelationId(correlation);
  build(req);
  return Buffer.from(req.serializeBinary());
}

function options(stream: string, expect: (options: Options) => void = () => undefined): Options {
  const given = new BatchAppendReq.Options().setStreamIdentifier(
    new sharedPb.StreamIdentifier().setStreamName(Buffer.from(stream, 'utf8')),
  );
  expect(given);
  return given;
}

function structured(high: string, low: string) {
  return new sharedPb.UUID().setStructured(
    new sharedPb.UUID.Structured().setMostSignificantBits(high).setLeastSignificantBits(low),
  );
}

describe('BatchAppend on the wire, read and written as the generated classes do', () => {
  it('reads the correlation id, the stream, each expected position and is_final', () => {
    const cases: [(options: Options) => void, unknown][] = [
      [() => undefined, { kind: 'any' }],
      [(o) => o.setStreamPosition('41'), { kind: 'exact', revision: 41 }],
      [(o) => o.setStreamPosition('0'), { kind: 'exact', revision: 0 }],
      [(o) => o.setNoStream(new emptyPb.Empty() as never), { kind: 'no_stream' }],
      [(o) => o.setAny(new emptyPb.Empty() as never), { kind: 'any' }],
      [(o) => o.setStreamExists(new emptyPb.Empty() as never), { kind: 'stream_exists' }],
    ];
    for (const [expect_, expected] of cases) {
      const decoded = decodeBatchAppendReq(
        request((req) => req.setOptions(options('organization-ä1', expect_)).setIsFinal(true)),
      );
      expect(decoded).toMatchObject({
        correlationId: '0f8fad5b-d9cb-469f-a165-70867728950e',
        options: { streamName: 'organization-ä1', expected },
        messages: [],
        isFinal: true,
      });
    }
    const later = decodeBatchAppendReq(request(() => undefined));
    expect([later.options, later.isFinal]).toEqual([undefined, false]);
  });

  it('reads each proposed message: id (string or structured), metadata, custom metadata and data', () => {
    const data = Buffer.from(JSON.stringify({ orgId: 'org-1', name: 'Ünïcode' }));
    const bytes = request((req) => {
      req.setOptions(options('s'));
      for (const id of [
        new sharedPb.UUID().setString('A1B2C3D4-0000-4000-8000-000000000001'),
        structured('-1', '42'),
      ]) {
        const message = new BatchAppendReq.ProposedMessage()
          .setId(id)
          .setCustomMetadata(Buffer.from('{"actor":"ada"}'))
          .setData(data);
        message.getMetadataMap().set('type', 'MemberRoleChanged').set('content-type', 'application/json');
        req.addProposedMessages(message);
      }
      req.addProposedMessages(new BatchAppendReq.ProposedMessage());
    });
    const { messages } = decodeBatchAppendReq(bytes);
    expect(messages.map((m) => m.id)).toEqual([
      'a1b2c3d4-0000-4000-8000-000000000001',
      'ffffffff-ffff-ffff-0000-00000000002a',
      undefined,
    ]);
    expect(Object.fromEntries(messages[0]!.metadata)).toEqual({
      type: 'MemberRoleChanged',
      'content-type': 'application/json',
    });
    expect([messages[1]!.customMetadata.toString(), messages[1]!.data.equals(data)]).toEqual([
      '{"actor":"ada"}',
      true,
    ]);
    expect([messages[2]!.metadata.size, messages[2]!.data.length]).toEqual([0, 0]);
    // Kept apart from the bytes they came in: a reused receive buffer cannot change an event waiting to be stored.
    bytes.fill(0);
    expect([messages[1]!.data.equals(data), messages[1]!.customMetadata.toString()]).toEqual([
      true,
      '{"actor":"ada"}',
    ]);
  });

  it('reads a structured id as the generated classes’ accessors do, for any 64-bit halves', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (high, low) => {
          const id = structured(String(high), String(low));
          expect(decodeBatchAppendReq(request(() => undefined, id)).correlationId).toBe(uuidFromMessage(id));
        },
      ),
    );
  });

  it('skips fields it does not read, and refuses bytes cut short', () => {
    const known = request((req) => req.setOptions(options('s')).setIsFinal(true));
    // Field 9 as a varint, field 10 as fixed64, field 11 as length-delimited, field 12 as fixed32.
    const unknown = Buffer.from([
      0x48, 0x96, 0x01, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5a, 0x02, 0xaa, 0xbb, 0x65, 1, 2, 3, 4,
    ]);
    expect(decodeBatchAppendReq(Buffer.concat([unknown, known]))).toEqual(decodeBatchAppendReq(known));
    expect(() => decodeBatchAppendReq(known.subarray(0, known.length - 3))).toThrow();
  });

  it('writes a success the generated classes read back: correlation id as sent, stream, revision and position', () => {
    fc.assert(
      fc.property(fc.nat(), fc.maxSafeNat(), (revision, position) => {
        const correlation = Buffer.from(structured('-5', '77').serializeBinary());
        const answer = BatchAppendResp.deserializeBinary(
          encodeBatchAppendSuccess(correlation, 'organization-ä1', { currentRevision: revision, position }),
        );
        expect(uuidFromMessage(answer.getCorrelationId())).toBe(
          uuidFromMessage(sharedPb.UUID.deserializeBinary(correlation)),
        );
        expect(Buffer.from(answer.getStreamIdentifier()!.getStreamName_asU8()).toString()).toBe(
          'organization-ä1',
        );
        const success = answer.getSuccess()!;
        expect([
          success.getCurrentRevision(),
          success.getPosition()!.getCommitPosition(),
          success.getPosition()!.getPreparePosition(),
          answer.hasError(),
        ]).toEqual([String(revision), String(position), String(position), false]);
      }),
    );
    const idempotent = BatchAppendResp.deserializeBinary(
      encodeBatchAppendSuccess(
        Buffer.from(new sharedPb.UUID().setString('x').serializeBinary()),
        's',
        'no-stream',
      ),
    ).getSuccess()!;
    expect([idempotent.hasNoStream(), idempotent.hasNoPosition(), idempotent.hasCurrentRevision()]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('answers a refusal with the correlation id as sent, without reading it again', () => {
    const refusal = new BatchAppendResp()
      .setStreamIdentifier(new sharedPb.StreamIdentifier().setStreamName(Buffer.from('s')))
      .serializeBinary();
    const sent = Buffer.from(
      new sharedPb.UUID().setString('0f8fad5b-d9cb-469f-a165-70867728950e').serializeBinary(),
    );
    const answer = BatchAppendResp.deserializeBinary(withCorrelation(sent, refusal));
    expect(answer.getCorrelationId()!.getString()).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(Buffer.from(answer.getStreamIdentifier()!.getStreamName_asU8()).toString()).toBe('s');
    // Bytes the wire reader takes but the generated classes would throw on (field 2 again, as a varint).
    const odd = Buffer.concat([sent, Buffer.from([0x10, 0x01])]);
    expect(
      decodeBatchAppendReq(request(() => undefined, sharedPb.UUID.deserializeBinary(sent))).correlationId,
    ).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(() => sharedPb.UUID.deserializeBinary(odd)).toThrow();
    expect(
      withCorrelation(odd, refusal)
        .subarray(2, 2 + odd.length)
        .equals(odd),
    ).toBe(true);
  });
});
