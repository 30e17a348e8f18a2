import { csvCell, hasUnprintable, printable, printableJson } from './printable';

describe('printable text', () => {
  it('finds control, C1 and bidirectional characters, asked again and again', () => {
    for (const text of [
      'a\u0000b',
      'line\nbreak',
      '\u001b[2J',
      'c1\u009b',
      'rtl\u202e',
      'iso\u2066',
      'sep\u2028',
    ]) {
      expect([hasUnprintable(text), hasUnprintable(text)]).toEqual([true, true]);
    }
    expect(['plain', 'Ada Lovelace', 'Zoë', '日本'].map(hasUnprintable)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('escapes what it finds as \\u and leaves the rest', () => {
    expect(printable('Eve\u202e\u009b31m \u001b[2Jok\nnext')).toBe(
      'Eve\\u202e\\u009b31m \\u001b[2Jok\\u000anext',
    );
    expect(printable(42)).toBe('42');
  });

  it('JSON keeps parsing to the same value with its C1 and bidirectional controls escaped', () => {
    const value = { name: 'Eve\u202e\u009b', note: 'a\u2028b' };
    const json = printableJson(JSON.stringify(value));
    expect(json).toMatch(/^[\u0020-\u007e]+$/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it('a CSV cell: empty for none, defused where a spreadsheet would run it, quoted where it must be', () => {
    expect([csvCell(undefined), csvCell(null), csvCell('')]).toEqual(['', '', '']);
    expect([csvCell('=1+1'), csvCell('+1'), csvCell('-1'), csvCell('@SUM(A1)')]).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
    ]);
    expect(csvCell('say "hi", twice')).toBe('"say ""hi"", twice"');
    expect(csvCell('two\nlines')).toBe('two\\u000alines');
    // A spreadsheet set to split on semicolons (as in many locales) would start a cell, and a formula, after one.
    expect(csvCell('x;=1+1;')).toBe('"x;=1+1;"');
  });
});
