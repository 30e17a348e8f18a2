import fc from 'fast-check';
import { notLater, readInstant } from './instant';

describe('readInstant', () => {
  it('reads RFC 3339 date-times with Z or an offset, in any case, with any number of fractional digits', () => {
    const at = Date.parse('2026-12-04T19:22:17.279Z');
    for (const text of [
      '2026-12-04T19:22:17.279Z',
      '2026-12-04t19:22:17.279z',
      '2026-12-04 19:22:17.279Z',
      '2026-12-04T20:22:17.279+01:00',
      '2026-12-04T14:52:17.279-04:30',
      '2026-12-04T19:22:17.2790000000Z',
    ])
      expect([text, readInstant(text)]).toEqual([text, { ms: at, finerThanMs: false, beyondMs: '' }]);
    expect(readInstant('2026-12-04T19:22:17.279001Z')).toEqual({
      ms: at,
      finerThanMs: true,
      beyondMs: '001',
    });
    expect(readInstant('2026-12-04T19:22:17Z')).toEqual({ ms: at - 279, finerThanMs: false, beyondMs: '' });
    expect(readInstant('0000-01-01T00:00:00Z')?.ms).toBe(Date.parse('0000-01-01T00:00:00Z'));
    expect(readInstant('9999-12-31T23:59:59.999Z')?.ms).toBe(Date.parse('9999-12-31T23:59:59.999Z'));
  });

  it('refuses what names no wall clock of the calendar, or no instant: 24:00, a leap second, a day not in the month, no zone', () => {
    for (const text of [
      '2026-12-04T24:00:00Z',
      '2026-12-31T23:59:60Z',
      '2026-02-30T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-12-04T19:22:17',
      '2026-12-04T19:22Z',
      '2026-12-04',
      '2026-12-04T19:22:17+24:00',
      '2026-12-04T19:22:17+01:60',
      '+012026-12-04T19:22:17Z',
      '2026-12-04T19:22:17.Z',
      ' 2026-12-04T19:22:17Z',
      '9999-12-31T23:59:59-23:59',
      '0000-01-01T00:00:00+00:01',
    ])
      expect([text, readInstant(text)]).toEqual([text, undefined]);
  });

  it('names the instant Date names for every text it takes (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-02T00:00:00Z'),
          max: new Date('9999-12-30T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -23 * 60, max: 23 * 60 }),
        (date, offsetMinutes) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(readInstant(`${local}${zone}`)).toEqual({
            ms: date.getTime(),
            finerThanMs: false,
            beyondMs: '',
          });
        },
      ),
    );
  });

  it('orders instants to the last digit written', () => {
    const read = (text: string) => readInstant(text)!;
    expect(notLater(read('2026-12-04T19:22:17.279Z'), read('2026-12-04T19:22:17.279001Z'))).toBe(true);
    expect(notLater(read('2026-12-04T19:22:17.2790001Z'), read('2026-12-04T19:22:17.279Z'))).toBe(false);
    expect(notLater(read('2026-12-04T19:22:17.27900Z'), read('2026-12-04T19:22:17.279Z'))).toBe(true);
    expect(notLater(read('2026-12-04T20:22:17.279+01:00'), read('2026-12-04T19:22:17.278Z'))).toBe(false);
  });
});
