import { readInstant } from '@app/text';
import { answeredInstant, type AuditSource } from '../scripts/audit/audit-source';
import { parseInstant } from '../scripts/audit/cli-error';

describe('the audit CLI’s dates and instants', () => {
  it('a day is its midnight UTC, and as an upper bound (--to) it runs through its last millisecond', () => {
    expect(parseInstant('2026-11-30', '--from', { bound: 'lower' })!.toISOString()).toBe(
      '2026-11-30T00:00:00.000Z',
    );
    expect(parseInstant('2026-11-30', '--to', { bound: 'upper' })!.toISOString()).toBe(
      '2026-11-30T23:59:59.999Z',
    );
  });

  it('an instant with a time is that instant, whichever bound it is; finer than a millisecond, a lower bound rounds up as the API does', () => {
    for (const bound of ['lower', 'upper', undefined] as const)
      expect(parseInstant('2026-11-30T13:00:00+01:00', '--to', { bound })!.toISOString()).toBe(
        '2026-11-30T12:00:00.000Z',
      );
    expect(parseInstant('2026-11-30T12:00:00.279001Z', '--from', { bound: 'lower' })!.toISOString()).toBe(
      '2026-11-30T12:00:00.280Z',
    );
    expect(parseInstant('2026-11-30T12:00:00.279999Z', '--to', { bound: 'upper' })!.toISOString()).toBe(
      '2026-11-30T12:00:00.279Z',
    );
  });

  it('takes and refuses the texts the API takes and refuses, naming the same instants', () => {
    for (const text of [
      '2026-12-04t19:22:17.279z',
      '2026-12-04T19:22:17.1234567890Z',
      '2026-12-04 19:22:17Z',
      '2026-12-04T20:22:17+01:00',
    ])
      expect([text, parseInstant(text, '--at')!.getTime()]).toEqual([text, readInstant(text)!.ms]);
    for (const [text, why] of [
      ['2026-12-04T24:00:00Z', /not a time the calendar has/],
      ['2026-12-31T23:59:60Z', /not a time the calendar has/],
      ['9999-12-31T23:59:59-23:59', /not a time the calendar has/],
      ['2026-11-30T12:00', /with seconds and Z or an offset/],
      ['2026-11-30T12:00:00', /with seconds and Z or an offset/],
    ] as const)
      expect(() => parseInstant(text, '--at')).toThrow(why);
    expect(() => parseInstant('2026-02-30', '--to', { bound: 'upper' })).toThrow(/not a day of the calendar/);
    // Year 0000 is a leap year, as readInstant reads it.
    expect(parseInstant('0000-02-29', '--from')!.getTime()).toBe(readInstant('0000-02-29T00:00:00Z')!.ms);
    expect(() => parseInstant('0001-02-29', '--from')).toThrow(/not a day of the calendar/);
  });
});

describe('the instant a command answers about', () => {
  const now = new Date('2026-12-04T12:00:00.000Z');
  it('from the event store, the one asked, or now for one still to come, as the API’s roster answers', () => {
    const live = { name: 'the event store' } as AuditSource;
    expect(answeredInstant(live, new Date('2026-12-01T00:00:00Z'), now)).toEqual(
      new Date('2026-12-01T00:00:00Z'),
    );
    expect(answeredInstant(live, new Date('9999-12-31T00:00:00Z'), now)).toEqual(now);
    expect(answeredInstant(live, undefined, now)).toBeUndefined();
  });
});
