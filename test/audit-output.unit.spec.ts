import { PassThrough } from 'node:stream';
import { RowWriter } from '../scripts/audit/output-format';

function written(format: 'table' | 'csv' | 'jsonl', rows: { change: string; detail: string }[]): string {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const writer = new RowWriter<{ change: string; detail: string }>(format, ['change', 'detail'], out);
  for (const row of rows) writer.write(row);
  writer.end();
  return chunks.join('');
}

describe('the audit CLI’s output', () => {
  it('a table escapes control and bidirectional characters, so text from a bundle cannot draw on the terminal', () => {
    const table = written('table', [
      { change: 'TeamRenamed', detail: 'renamed "\u001b[8mhidden\u202e" \nproven' },
    ]);
    expect([table.includes('\u001b'), table.includes('\u202e')]).toEqual([false, false]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('renamed "\\u001b[8mhidden\\u202e" \\u000aproven');
  });

  it('a CSV cell that a spreadsheet would run as a formula is defused, and quotes are doubled', () => {
    expect(written('csv', [{ change: '=HYPERLINK("x")', detail: 'a,b' }])).toBe(
      'change,detail\n"\'=HYPERLINK(""x"")","a,b"\n',
    );
  });
});
