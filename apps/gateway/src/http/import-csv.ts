import { BadRequestException } from '@nestjs/common';
import { parse } from 'csv-parse/sync';

/** R7 from CSV: a header row, then one person per row; `teamIds` separated by `;`, a role in any case (`Admin`). */
const CSV_COLUMNS = ['email', 'phone', 'role', 'teamIds'];

/** A header row the import cannot read: the whole file is refused, before any row is invited. */
class CsvHeaderError extends Error {}

/**
 * The header row: each column once, each one an import reads, in any case (`Email`, `TEAMIDS`). A column it does not
 * read would refuse every row that fills it and quietly pass every row that leaves it empty. A column without a name
 * (a spreadsheet's trailing comma) is read as none: a value under it is refused with its row.
 */
function csvColumns(header: string[]): string[] {
  const given = header.map((h) => h.trim());
  const unknown = given.find((name) => name !== '' && columnNamed(name) === undefined);
  if (unknown !== undefined)
    throw new CsvHeaderError(
      `${JSON.stringify(unknown.slice(0, 100))} is not a column of an import (${CSV_COLUMNS.join(', ')})`,
    );
  const names = given.map((name) => (name === '' ? '' : columnNamed(name)!));
  const repeated = names.findIndex((name, i) => name !== '' && names.indexOf(name) !== i);
  if (repeated !== -1) throw new CsvHeaderError(`the column ${names[repeated]} is given twice`);
  return names;
}

function columnNamed(name: string): string | undefined {
  return CSV_COLUMNS.find((column) => column.toLowerCase() === name.toLowerCase());
}

/**
 * A row's cells by column: a short row leaves the rest empty; a cell past the header's last column, or under a column
 * without a name, is named by its place (`column 5`), and the row is refused for it, never quietly dropped.
 */
function recordOf(columns: readonly string[], cells: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  cells.forEach((value, i) => {
    const column = columns[i] || `column ${i + 1}`;
    if (value !== '' || !(column in record)) record[column] = value;
  });
  return record;
}

/** The parser quotes the cell it stopped in, which can be as long as the body. */
function atMost(length: number, text: string): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}

/** A CSV import's rows, and the line of the file each starts on (1 is the header's). */
export function rowsOfCsv(text: string): { rows: Record<string, unknown>[]; lines: (number | undefined)[] } {
  let records: Record<string, string>[];
  let lines: (number | undefined)[];
  try {
    // Rows may be short or long: a row's cells are its own (R7: one row's fault refuses that row, not the import).
    const [header, ...parsed] = parse(text, {
      relax_column_count: true,
      // A quote inside a cell that does not start with one is that cell's text (refused with its row, not the file).
      relax_quotes: true,
      skip_empty_lines: true,
      // A line of empty cells (`,,,`: what a spreadsheet exports for its blank rows) is no row, as a blank line is not.
      skip_records_with_empty_values: true,
      trim: true,
      bom: true,
      raw: true,
    }) as unknown as ParsedLine[];
    const columns = header ? csvColumns(header.record) : [];
    records = parsed.map(({ record }) => recordOf(columns, record));
    lines = header ? firstLinesOf(text, [header, ...parsed]).slice(1) : [];
  } catch (error) {
    const header = error instanceof CsvHeaderError;
    throw new BadRequestException({
      code: 'validation-failed',
      title: header
        ? `The header row: ${error.message}`
        : `not CSV: ${atMost(200, (error as Error).message)}`,
      errors: [{ field: 'body', message: header ? error.message : 'not CSV with a header row' }],
    });
  }
  if (records.length === 0 || records.length > 1_000)
    throw new BadRequestException({
      code: 'validation-failed',
      title: 'give 1 to 1,000 rows',
      errors: [{ field: 'rows', message: 'give 1 to 1,000 rows' }],
    });
  const rows = records.map((record) => {
    const row: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(record)) {
      if (value === '') continue;
      row[column] = column === 'teamIds' ? listOf(value) : column === 'role' ? value.toLowerCase() : value;
    }
    return row;
  });
  return { rows, lines };
}

interface ParsedLine {
  readonly record: string[];
  readonly raw: string;
}

/**
 * The line each record starts on, found from its raw text in the file: a quoted cell may span lines, and the parser's
 * own line count is off for line breaks inside quotes of a file whose lines end in CRLF.
 */
function firstLinesOf(text: string, parsed: readonly ParsedLine[]): (number | undefined)[] {
  let line = 1;
  let counted = 0;
  let searched = 0;
  return parsed.map(({ raw }) => {
    const found = rawTextIn(text, raw.replace(/^[\r\n]+|[\r\n]+$/g, ''), searched);
    // Not found (it never should be): that row says no line rather than a wrong one; the next is looked for after
    // the last row found.
    if (!found) return undefined;
    line += text.slice(counted, found.start).match(/\r\n|\r|\n/g)?.length ?? 0;
    counted = found.start;
    searched = found.end;
    return line;
  });
}

/**
 * Where a record's raw text is in the file, from `from` on. The parser keeps only the first byte of a multi-byte space
 * it trims (a no-break space a spreadsheet put before a value), which reads as U+FFFD: that stands for one space.
 */
function rawTextIn(text: string, raw: string, from: number): { start: number; end: number } | undefined {
  if (!raw.includes('\uFFFD')) {
    const start = text.indexOf(raw, from);
    return start < 0 ? undefined : { start, end: start + raw.length };
  }
  const pattern = new RegExp(
    raw
      .split('\uFFFD')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('(?:\\s|\uFFFD)'),
    'g',
  );
  pattern.lastIndex = from;
  const match = pattern.exec(text);
  return match ? { start: match.index, end: match.index + match[0].length } : undefined;
}

/** `teamIds` in a CSV cell: separated by `;`. */
function listOf(cell: string): string[] {
  return cell
    .split(';')
    .map((t) => t.trim())
    .filter(Boolean);
}
