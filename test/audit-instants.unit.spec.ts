import { parseInstant } from '../scripts/audit/cli-error';

describe('the audit CLI’s dates and instants', () => {
  it('a day is its midnight UTC, and as an upper bound (--to) it runs through its last millisecond', () => {
    expect(parseInstant('2026-11-30', '--from')!.toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(parseInstant('2026-11-30', '--to', { dayMeans: 'its end' })!.toISOString()).toBe(
      '2026-11-30T23:59:59.999Z',
    );
  });

  it('an instant with a time is that instant, whichever bound it is', () => {
    for (const dayMeans of ['its start', 'its end'] as const)
      expect(parseInstant('2026-11-30T13:00:00+01:00', '--to', { dayMeans })!.toISOString()).toBe(
        '2026-11-30T12:00:00.000Z',
      );
  });

  it('a time without a zone, and a day the calendar does not have, are refused (exit 2)', () => {
    expect(() => parseInstant('2026-11-30T12:00:00', '--to')).toThrow(/with Z or an offset/);
    expect(() => parseInstant('2026-02-30', '--to', { dayMeans: 'its end' })).toThrow(
      /not a day of the calendar/,
    );
  });
});
