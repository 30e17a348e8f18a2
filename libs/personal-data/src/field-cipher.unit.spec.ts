import { randomBytes } from 'node:crypto';
import { openValue, parseSealed, sealValue } from './field-cipher';

describe('sealed personal values', () => {
  const key = randomBytes(32);

  it('open to what was sealed, and hold none of it in the clear', () => {
    const sealed = sealValue(key, 'user-1', 'ada@example.com');
    expect(sealed).toMatch(/^pd1\.user-1\./);
    expect(sealed).not.toContain('ada');
    expect(openValue(key, parseSealed(sealed)!)).toBe('ada@example.com');
    expect(sealValue(key, 'user-1', 'ada@example.com')).not.toBe(sealed); // a fresh IV each time
  });

  it('do not open under another key, for another subject, or once altered', () => {
    const sealed = sealValue(key, 'user-1', 'Ada Lovelace');
    expect(() => openValue(randomBytes(32), parseSealed(sealed)!)).toThrow();
    expect(() => openValue(key, { ...parseSealed(sealed)!, subject: 'user-2' })).toThrow();
    const body = parseSealed(sealed)!.sealed;
    body[0] ^= 1;
    expect(() => openValue(key, { ...parseSealed(sealed)!, sealed: body })).toThrow();
  });

  it('are told from plain strings, and a subject must be a plain id', () => {
    expect(parseSealed('ada@example.com')).toBeUndefined();
    expect(parseSealed('pd1.user-1.short.x')).toBeUndefined();
    expect(parseSealed(42)).toBeUndefined();
    const iv = 'AAAAAAAAAAAAAAAA';
    expect(parseSealed(`pd1.u1.${iv}.AAAA`)).toMatchObject({ subject: 'u1' });
    for (const malformed of [
      `pd1..${iv}.AAAA`,
      `pd1.u1.${iv}.`,
      `pd1.u1.${iv}`,
      `pd1.u1.${iv}.AA.AA`,
      `pd1.u1.AAAAAAAAAAAAAAA*.AAAA`,
      `pd1.u/1.${iv}.AAAA`,
      'pd1.',
    ])
      expect(parseSealed(malformed)).toBeUndefined();
    expect(() => sealValue(key, '../user', 'x')).toThrow(/subject/);
  });
});
