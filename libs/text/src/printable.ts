/*
 * Text that came from people (names, event data) shown where characters act: a terminal, a spreadsheet, an address.
 * No imports, so the console's browser bundle and the Node services share it.
 */

// Control characters, which move a terminal's cursor or break a line.
// eslint-disable-next-line no-control-regex
const ASCII_CONTROLS = /[\u0000-\u001f]/g;
// C1 controls, and the bidirectional controls and separators that reorder or split text around them.
const UNPRINTABLE_BEYOND_ASCII = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** Whether the text holds a control or bidirectional character. */
export function hasUnprintable(text: string): boolean {
  ASCII_CONTROLS.lastIndex = 0;
  UNPRINTABLE_BEYOND_ASCII.lastIndex = 0;
  return ASCII_CONTROLS.test(text) || UNPRINTABLE_BEYOND_ASCII.test(text);
}

/** Control and bidirectional characters written as `\u` escapes: what a value holds cannot draw or reorder text. */
export function printable(value: unknown): string {
  return String(value).replace(ASCII_CONTROLS, escaped).replace(UNPRINTABLE_BEYOND_ASCII, escaped);
}

/**
 * JSON text with the characters `JSON.stringify` leaves as they are (C1 and bidirectional controls) escaped too: the
 * same value to a parser, nothing that acts on a terminal or reorders text.
 */
export function printableJson(json: string): string {
  return json.replace(UNPRINTABLE_BEYOND_ASCII, escaped);
}

/**
 * A CSV cell (RFC 4180) of a value made printable; empty for none. A leading = + - @ is defused, so a spreadsheet
 * does not run the cell as a formula, and a cell with a semicolon is quoted, so that a spreadsheet splitting on
 * semicolons (the list separator of many locales) does not start a cell after one.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = printable(value);
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function escaped(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
