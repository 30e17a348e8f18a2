import { randomUUID } from 'node:crypto';
import { hyphenatedUuid, uuidFromBytes } from './uuid-text';

describe('UUID text', () => {
  it('puts 32 hex digits in the 8-4-4-4-12 form', () => {
    expect(hyphenatedUuid('0123456789abcdef0123456789abcdef')).toBe('01234567-89ab-cdef-0123-456789abcdef');
    expect(hyphenatedUuid('f'.repeat(32))).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
  });

  it('reads the 16 bytes at an offset, whatever surrounds them', () => {
    for (let i = 0; i < 50; i++) {
      const id = randomUUID();
      const bytes = Buffer.concat([
        Buffer.from('ab', 'hex'),
        Buffer.from(id.replace(/-/g, ''), 'hex'),
        Buffer.alloc(3, 0xff),
      ]);
      expect(uuidFromBytes(bytes, 1)).toBe(id);
    }
  });

  it("refuses anything but 32 hex digits, which would leave the previous id's digits in the shared buffer", () => {
    hyphenatedUuid('0123456789abcdef0123456789abcdef');
    for (const wrong of [
      '0123456789abcdef',
      '0123456789abcdef0123456789abcdeg',
      '0123456789ABCDEF0123456789ABCDEF',
    ])
      expect(() => hyphenatedUuid(wrong)).toThrow(RangeError);
  });

  it('each id stays as it was when the next one is made (the text is built in a shared buffer)', () => {
    const first = hyphenatedUuid('00000000000000000000000000000000');
    hyphenatedUuid('11111111111111111111111111111111');
    expect(first).toBe('00000000-0000-0000-0000-000000000000');
  });
});
