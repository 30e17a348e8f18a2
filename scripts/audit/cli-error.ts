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

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * An instant the same everywhere: a date (midnight UTC) or a date and time with `Z` or an offset. A time without a
 * zone would be read in the auditor's local zone and name another instant on another machine, so it is refused, as
 * is a day the calendar does not have (2026-02-30).
 */
export function parseInstant(value: string | undefined, option: string): Date | undefined {
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
  return at;
}

export function required(value: string | undefined, option: string): string {
  if (!value) throw new CliError(`${option} is required`);
  return value;
}
