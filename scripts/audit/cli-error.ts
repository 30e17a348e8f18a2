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
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * An instant the same everywhere: a date (its midnight UTC, or for an upper bound its last millisecond) or a date
 * and time with `Z` or an offset. A time without a zone would be read in the auditor's local zone and name another
 * instant on another machine, so it is refused, as is a day the calendar does not have (2026-02-30).
 */
export function parseInstant(
  value: string | undefined,
  option: string,
  { dayMeans = 'its start' }: { dayMeans?: 'its start' | 'its end' } = {},
): Date | undefined {
  if (value === undefined) return undefined;
  const refuse = (why: string) =>
    new CliError(
      `${option}: "${value}" ${why} (e.g. 2026-11-30, 2026-11-30T12:00:00Z or 2026-11-30T13:00:00+01:00)`,
    );
  const parts = INSTANT.exec(value);
  if (!parts) throw refuse('is not a date, or a date and time with Z or an offset');
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day)
    throw refuse('is not a day of the calendar');
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw refuse('is not a valid time of day');
  // An inclusive upper bound given as a day takes in the whole day: `--from 2026-11-30 --to 2026-11-30` is that day.
  return value.length === 10 && dayMeans === 'its end' ? new Date(at.getTime() + DAY_MS - 1) : at;
}

export function required(value: string | undefined, option: string): string {
  if (!value) throw new CliError(`${option} is required`);
  return value;
}
