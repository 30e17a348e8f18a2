import fc from 'fast-check';
import { firstRepeatedKey } from './repeated-keys';

describe('a JSON body giving a key twice', () => {
  it('is found, with the path of the key', () => {
    expect(firstRepeatedKey('{"role":"user","role":"owner"}')).toBe('role');
    expect(firstRepeatedKey('{"availability":{"available":true,"available":false}}')).toBe(
      'availability.available',
    );
    expect(firstRepeatedKey('{"rows":[{"email":"a"},{"email":"b","email":"c"}]}')).toBe('rows.1.email');
    expect(firstRepeatedKey('[[1,2],{"a":1,"a":2}]')).toBe('1.a');
    expect(firstRepeatedKey('{ "a" : 1 ,\n  "a" : 2 }')).toBe('a');
  });

  it('is found when one of the two is written with escapes', () => {
    expect(firstRepeatedKey('{"role":"user","r\\u006fle":"owner"}')).toBe('role');
  });

  it('is not confused by keys in other objects, values equal to keys, or brackets and quotes inside strings', () => {
    expect(firstRepeatedKey('{"a":{"b":1},"b":{"a":2}}')).toBeUndefined();
    expect(firstRepeatedKey('{"a":"a","b":"a"}')).toBeUndefined();
    expect(firstRepeatedKey('{"a":"}{,\\"a\\":[","b":"x"}')).toBeUndefined();
    expect(firstRepeatedKey('[{"a":1},{"a":2}]')).toBeUndefined();
    expect(firstRepeatedKey('{"":1,"x":{"":2}}')).toBeUndefined();
  });

  it('finds nothing in any JSON text that JSON.stringify writes (each object has each key once)', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => firstRepeatedKey(JSON.stringify(value)) === undefined));
  });

  it('finds the key repeated anywhere in a generated object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), fc.nat(), (object, pick) => {
        const keys = Object.keys(object);
        const key = keys[pick % keys.length]!;
        const text = JSON.stringify(object);
        const repeated = `${text.slice(0, -1)},${JSON.stringify(key)}:null}`;
        return firstRepeatedKey(repeated) === key;
      }),
    );
  });
});
