import { CliError } from './cli-error';

export type OutputFormat = 'table' | 'jsonl' | 'csv';

export function outputFormatOf(value: string | undefined): OutputFormat {
  const format = value ?? 'table';
  if (format !== 'table' && format !== 'jsonl' && format !== 'csv')
    throw new CliError(`--format: "${format}" is not one of table, jsonl, csv`);
  return format;
}

/** Writes rows as they come (jsonl, csv) or, for a table, once all are known (to size the columns). */
export class RowWriter<Row extends object> {
  private readonly buffered: Row[] = [];

  constructor(
    private readonly format: OutputFormat,
    private readonly columns: readonly (keyof Row & string)[],
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {
    if (format === 'csv') this.out.write(`${columns.join(',')}\n`);
  }

  write(row: Row): void {
    if (this.format === 'jsonl') this.out.write(`${jsonLine(row)}\n`);
    else if (this.format === 'csv')
      this.out.write(`${this.columns.map((c) => csvCell(printable(row[c] ?? ''))).join(',')}\n`);
    else this.buffered.push(row);
  }

  end(): void {
    if (this.format !== 'table') return;
    const cells = [
      this.columns as readonly string[],
      ...this.buffered.map((r) => this.columns.map((c) => printable(r[c] ?? ''))),
    ];
    const widths = this.columns.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
    for (const row of cells)
      this.out.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
  }
}

/** RFC 4180, and a leading = + - @ defused so a spreadsheet does not run a cell as a formula. */
function csvCell(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * Text as it may be printed on a terminal: control characters (line breaks, escape sequences) and bidirectional
 * controls escaped, so what an event or a bundle holds cannot print a verdict of its own, or hide the real one.
 */
export function printable(value: unknown): string {
  return String(value).replace(ASCII_CONTROLS, escaped).replace(UNPRINTABLE_BEYOND_ASCII, escaped);
}

/**
 * A row as one line of JSON, with the characters JSON itself leaves as they are (C1 controls, bidirectional
 * controls) escaped too: the same value to a parser, nothing that acts on a terminal or reorders text.
 */
function jsonLine(row: object): string {
  return JSON.stringify(row).replace(UNPRINTABLE_BEYOND_ASCII, escaped);
}

// eslint-disable-next-line no-control-regex
const ASCII_CONTROLS = /[\u0000-\u001f]/g;
const UNPRINTABLE_BEYOND_ASCII = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

function escaped(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
