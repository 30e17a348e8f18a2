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

  it('CSV escapes control and bidirectional characters as a table does', () => {
    const csv = written('csv', [{ change: 'MemberJoined', detail: 'Eve\u202e\u009b31m \u001b[2Jok\nnext' }]);
    expect(csv).toBe('change,detail\nMemberJoined,Eve\\u202e\\u009b31m \\u001b[2Jok\\u000anext\n');
  });

  it('a JSON line escapes C1 and bidirectional controls too, and still parses to the very same value', () => {
    const detail = 'Eve\u202e\u2066\u009b31m \u001b[2J\u2028ok';
    const line = written('jsonl', [{ change: 'MemberJoined', detail }]);
    expect(line).toMatch(/^[\u0020-\u007e]+\n$/);
    expect(JSON.parse(line)).toEqual({ change: 'MemberJoined', detail });
  });

  it('a CSV cell that a spreadsheet would run as a formula is defused, and quotes are doubled', () => {
    expect(written('csv', [{ change: '=HYPERLINK("x")', detail: 'a,b' }])).toBe(
      'change,detail\n"\'=HYPERLINK(""x"")","a,b"\n',
    );
  });
});
