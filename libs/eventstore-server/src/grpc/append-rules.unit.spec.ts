import { type ProposedEvent } from '../engine/expected-revision';
import { eventRefusal, streamRefusal } from './append-rules';
import { canonicalUuid } from './uuid-message';

const event = (fields: Partial<ProposedEvent> = {}): ProposedEvent => ({
  eventId: '0f8fad5b-d9cb-469f-a165-70867728950e',
  type: 'A',
  contentType: 'application/json',
  data: Buffer.alloc(0),
  metadata: Buffer.alloc(0),
  ...fields,
});

describe('what an append may hold', () => {
  it('an id is a UUID in its canonical form; the all-zero one is refused as empty', () => {
    expect(eventRefusal(event())).toBeUndefined();
    for (const eventId of [
      'order-1',
      '0F8FAD5B-D9CB-469F-A165-70867728950E',
      '0f8fad5bd9cb469fa16570867728950e',
      // 36 characters, one out of place: a digit where a hyphen goes, a hyphen where a digit goes, and the characters
      // either side of 0-9 and a-f.
      '0f8fad5b0d9cb-469f-a165-70867728950e',
      '0f8fad5b-d9cb-469f-a165-7086772895-e',
      ...['/', ':', '`', 'g', 'F'].map((c) => `${c}f8fad5b-d9cb-469f-a165-70867728950e`),
      ...['/', ':', '`', 'g'].map((c) => `0f8fad5b-d9cb-469f-a165-70867728950${c}`),
    ])
      expect(eventRefusal(event({ eventId }))).toEqual({
        kind: 'bad-request',
        message: 'Invalid eventId provided: not a UUID.',
      });
    expect(eventRefusal(event({ eventId: '00000000-0000-0000-0000-000000000000' }))).toEqual({
      kind: 'bad-request',
      message: 'Empty eventId provided.',
    });
  });

  it('the spellings of a UUID that EventStoreDB parses become the canonical one; anything else stays as given', () => {
    const canonical = '0f8fad5b-d9cb-469f-a165-70867728950e';
    for (const spelling of [
      canonical,
      canonical.toUpperCase(),
      canonical.replace(/-/g, ''),
      `{${canonical}}`,
      `(${canonical})`,
    ])
      expect(canonicalUuid(spelling)).toBe(canonical);
    for (const other of [`{${canonical.replace(/-/g, '')}}`, `{${canonical})`, `${canonical}0`, 'x'])
      expect(canonicalUuid(other)).toBe(other);
  });

  it('a type, content type or stream name over 65,535 bytes of UTF-8 is a bad request; one of 65,535 is not', () => {
    const over = 'é'.repeat(32_768);
    const fits = 'x'.repeat(65_535);
    expect(eventRefusal(event({ type: over }))).toMatchObject({ kind: 'bad-request', message: /eventType/ });
    expect(eventRefusal(event({ contentType: over }))).toMatchObject({
      kind: 'bad-request',
      message: /content-type/,
    });
    expect(streamRefusal(over)).toMatchObject({ kind: 'bad-request', message: /stream name/ });
    expect([eventRefusal(event({ type: fits, contentType: fits })), streamRefusal(fits)]).toEqual([
      undefined,
      undefined,
    ]);
  });
});
