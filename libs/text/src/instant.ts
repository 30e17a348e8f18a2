/** An instant written as RFC 3339 text, as read: its milliseconds, and whether the text was finer than those. */
export interface Instant {
  readonly ms: number;
  /** Digits past the millisecond that are not all zero: `Date` drops them. */
  readonly finerThanMs: boolean;
  /** Those digits, as written after the third (`001` for `.279001`): compared as text once padded alike. */
  readonly beyondMs: string;
}

const YEAR_0000 = Date.parse('0000-01-01T00:00:00Z');
const YEAR_10000 = Date.parse('+010000-01-01T00:00:00Z');
const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/** `a` is not later than `b`, to the last digit written. */
export function notLater(a: Instant, b: Instant): boolean {
  if (a.ms !== b.ms) return a.ms < b.ms;
  const width = Math.max(a.beyondMs.length, b.beyondMs.length);
  return a.beyondMs.padEnd(width, '0') <= b.beyondMs.padEnd(width, '0');
}

/**
 * An RFC 3339 date-time (date, time and `Z` or an offset; `t`, `z` and a space for `T` as the RFC allows; any number
 * of fractional digits), or undefined. Only a wall clock the calendar has: no 24:00, no leap second (`:60`), no
 * 2026-02-30, which `Date` would quietly read as another instant. The API and the audit CLI read instants with it, so
 * both take the same texts and name the same instants.
 */
export function readInstant(text: string): Instant | undefined {
  const parts = RFC_3339.exec(text);
  if (!parts) return undefined;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = parts[7] ?? '';
  const wallClock = new Date(0);
  wallClock.setUTCFullYear(year, month - 1, day);
  wallClock.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  const named =
    wallClock.getUTCFullYear() === year &&
    wallClock.getUTCMonth() === month - 1 &&
    wallClock.getUTCDate() === day &&
    wallClock.getUTCHours() === hour &&
    wallClock.getUTCMinutes() === minute &&
    wallClock.getUTCSeconds() === second;
  const [offsetHours, offsetMinutes] = [Number(parts[10] ?? 0), Number(parts[11] ?? 0)];
  if (!named || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offsetMs = (parts[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const ms = wallClock.getTime() - offsetMs;
  // Within years 0000-9999 in UTC too, where the API writes instants back with four-digit years.
  if (ms < YEAR_0000 || ms >= YEAR_10000) return undefined;
  const beyondMs = fraction.slice(3).replace(/0+$/, '');
  return { ms, finerThanMs: beyondMs !== '', beyondMs };
}
