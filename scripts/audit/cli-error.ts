import { readInstant } from '@app/text';

/** A refusal the CLI reports as one line with its exit code: 2 for bad input or an unknown organization. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * An instant the same everywhere, read as the API reads one (`readInstant`: RFC 3339 with `Z` or an offset, no 24:00
 * or leap second), or a day: its midnight UTC, or as an upper bound its last millisecond. A time without a zone would be
 * read in the auditor's local zone and name another instant on another machine, so it is refused, as is a day the
 * calendar does not have (2026-02-30). As a lower bound, an instant finer than a millisecond takes in nothing from its
 * millisecond's start (the events are stamped to the millisecond), as the API's `from` does.
 */
export function parseInstant(
  value: string | undefined,
  option: string,
  { bound }: { bound?: 'lower' | 'upper' } = {},
): Date | undefined {
  if (value === undefined) return undefined;
  const refuse = (why: string) =>
    new CliError(
      `${option}: "${value}" ${why} (e.g. 2026-11-30, 2026-11-30T12:00:00Z or 2026-11-30T13:00:00+01:00)`,
    );
  const day = DAY.exec(value);
  if (day) {
    const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
    // Set whole: Date.UTC reads years 0-99 as 1900-1999 (0000-02-29 would become a 1900 day that does not exist).
    const midnight = new Date(0);
    midnight.setUTCFullYear(year, month - 1, date);
    if (midnight.getUTCMonth() !== month - 1 || midnight.getUTCDate() !== date)
      throw refuse('is not a day of the calendar');
    // An inclusive upper bound given as a day takes in the whole day: `--from 2026-11-30 --to 2026-11-30` is that day.
    return bound === 'upper' ? new Date(midnight.getTime() + DAY_MS - 1) : midnight;
  }
  const instant = readInstant(value);
  if (instant === undefined)
    throw refuse(
      /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value)
        ? 'is not a time the calendar has (no 24:00, no leap second, years 0000 to 9999)'
        : 'is not a date, or a date and time with seconds and Z or an offset',
    );
  return new Date(instant.ms + (bound === 'lower' && instant.finerThanMs ? 1 : 0));
}

export function required(value: string | undefined, option: string): string {
  if (!value) throw new CliError(`${option} is required`);
  return value;
}
