import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTempDir } from '@app/testing';
import { datesCodec, JournalMap } from './journal-map';

describe('a map kept in a JSON-lines journal (embedded default session state)', () => {
  it('replays sets and deletes in order after a restart, privately', async () => {
    await withTempDir('journal', async (dir) => {
      const file = join(dir, 'm.jsonl');
      const first = new JournalMap<number>(file);
      first.set('a', 1).set('b', 2).set('a', 3);
      expect(first.delete('b')).toBe(true);
      expect(first.delete('missing')).toBe(false);
      const again = new JournalMap<number>(file);
      expect([...again]).toEqual([['a', 3]]);
      expect(again.size).toBe(1);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    });
  });

  it('keeps dates as dates through a codec', async () => {
    await withTempDir('journal', async (dir) => {
      const file = join(dir, 'd.jsonl');
      const at = new Date('2026-11-30T10:00:00.000Z');
      new JournalMap<{ at: Date; n: number }>(file, datesCodec('at')).set('x', { at, n: 1 });
      const read = new JournalMap<{ at: Date; n: number }>(file, datesCodec('at')).get('x');
      expect(read).toEqual({ at, n: 1 });
      expect(read!.at).toBeInstanceOf(Date);
    });
  });

  it('a torn last line (a crash mid-write) loses that change only; damage before the end stops the start', async () => {
    await withTempDir('journal', async (dir) => {
      const file = join(dir, 't.jsonl');
      new JournalMap<number>(file).set('a', 1);
      appendFileSync(file, '{"k":"b","v":');
      expect([...new JournalMap<number>(file)]).toEqual([['a', 1]]);
      writeFileSync(file, '{"k":"a","v":1}\nnot json\n{"k":"b","v":2}\n');
      expect(() => new JournalMap<number>(file)).toThrow(/line 2 is not JSON/);
    });
  });

  it("forgetDeleted rewrites the journal at once: a deleted value (an erased account's address) is not kept on disk", async () => {
    await withTempDir('journal', async (dir) => {
      const file = join(dir, 'f.jsonl');
      const map = new JournalMap<{ subject: string }>(file);
      map.set('t1', { subject: 'ada@example.com' }).set('t2', { subject: 'bob@example.com' });
      map.delete('t1');
      expect(readFileSync(file, 'utf8')).toContain('ada@example.com');
      map.forgetDeleted();
      expect(readFileSync(file, 'utf8')).not.toContain('ada@example.com');
      expect([...new JournalMap<{ subject: string }>(file)]).toEqual([
        ['t2', { subject: 'bob@example.com' }],
      ]);
    });
  });

  it('rewrites itself compactly once mostly history, keeping every live entry', async () => {
    await withTempDir('journal', async (dir) => {
      const file = join(dir, 'c.jsonl');
      const map = new JournalMap<number>(file);
      for (let i = 0; i < 3_000; i++) map.set('hot', i);
      map.set('cold', 7);
      const lines = readFileSync(file, 'utf8').trim().split('\n').length;
      expect(lines).toBeLessThan(1_100);
      expect([...new JournalMap<number>(file)].sort()).toEqual([
        ['cold', 7],
        ['hot', 2_999],
      ]);
    });
  });
});
