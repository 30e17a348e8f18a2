import fc from 'fast-check';
import stableStringify from 'fast-json-stable-stringify';
import { canonicalJson } from './canonical-json';

describe('canonicalJson: the serialization event hashes are computed over', () => {
  it('is what fast-json-stable-stringify writes, for any JSON value (and dates)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.date({ noInvalidDate: true }), (value, date) => {
        expect(canonicalJson(value)).toBe(stableStringify(value));
        expect(canonicalJson({ at: date, list: [undefined, 1] })).toBe(
          stableStringify({ at: date, list: [undefined, 1] }),
        );
      }),
      { numRuns: 2_000 },
    );
  });

  it('sorts keys at every depth, so key order never changes it', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"e":2,"f":1}]},"b":1}',
    );
  });

  it('leaves out one member of one child, and only there', () => {
    const value = { metadata: { actor: 'a', chainHash: 'h' }, data: { chainHash: 'kept' } };
    expect(canonicalJson(value, 'metadata', 'chainHash')).toBe(
      '{"data":{"chainHash":"kept"},"metadata":{"actor":"a"}}',
    );
  });
});
