import { csvCell, printable, printableJson } from '@app/text';
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
      this.out.write(`${this.columns.map((c) => csvCell(row[c] ?? '')).join(',')}\n`);
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

/** A row as one line of JSON that prints as it parses (see `printableJson`). */
function jsonLine(row: object): string {
  return printableJson(JSON.stringify(row));
}
