import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** How a value is kept in the journal (Dates as ISO strings, for example). */
export interface JournalCodec<T> {
  encode(value: T): unknown;
  decode(stored: unknown): T;
}

const asIs: JournalCodec<never> = { encode: (v) => v, decode: (v) => v as never };

type Line = { readonly k: string; readonly v?: unknown; readonly d?: 1 };

/**
 * A string-keyed map kept in a JSON-lines journal: every change is one appended line (constant cost, whatever the
 * size of the map), the journal is replayed at start and rewritten compactly once it is mostly history. A crash
 * mid-line loses that one change, never the file. For the embedded default, where session state (refresh tokens,
 * one-time links, throttling) must survive `npm start` restarts without a database; production uses MongoDB.
 */
export class JournalMap<T> implements Iterable<[string, T]> {
  private readonly entries = new Map<string, T>();
  private lines = 0;

  constructor(
    private readonly file: string,
    private readonly codec: JournalCodec<T> = asIs,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) this.replay(readFileSync(file, 'utf8'));
    this.compactIfMostlyHistory();
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: T): this {
    this.entries.set(key, value);
    this.append({ k: key, v: this.codec.encode(value) });
    return this;
  }

  delete(key: string): boolean {
    if (!this.entries.delete(key)) return false;
    this.append({ k: key, d: 1 });
    return true;
  }

  values(): IterableIterator<T> {
    return this.entries.values();
  }

  /** The journal rewritten with only what is live: a deleted value is otherwise kept until the next compaction. */
  forgetDeleted(): void {
    this.compact();
  }

  [Symbol.iterator](): IterableIterator<[string, T]> {
    return this.entries[Symbol.iterator]();
  }

  private replay(text: string): void {
    const lines = text.split('\n');
    for (const [index, raw] of lines.entries()) {
      if (raw === '') continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch (error) {
        if (index === lines.length - 1) break; // a torn last line: the change it was writing is lost
        throw new Error(`${this.file}: line ${index + 1} is not JSON (${(error as Error).message})`);
      }
      if (line.d) this.entries.delete(line.k);
      else this.entries.set(line.k, this.codec.decode(line.v));
      this.lines++;
    }
  }

  private append(line: Line): void {
    appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    this.lines++;
    this.compactIfMostlyHistory();
  }

  private compactIfMostlyHistory(): void {
    if (this.lines > 2 * this.entries.size + 1_000) this.compact();
  }

  private compact(): void {
    const temp = `${this.file}.tmp`;
    const live = [...this.entries].map(([k, v]) => `${JSON.stringify({ k, v: this.codec.encode(v) })}\n`);
    writeFileSync(temp, live.join(''), { mode: 0o600 });
    renameSync(temp, this.file);
    this.lines = this.entries.size;
  }
}

/** Dates inside a record, kept as ISO strings. */
export function datesCodec<T extends object>(...fields: (keyof T)[]): JournalCodec<T> {
  return {
    encode: (value) => value,
    decode: (stored) => {
      const out = { ...(stored as Record<string, unknown>) };
      for (const field of fields) {
        const raw = out[field as string];
        if (typeof raw === 'string') out[field as string] = new Date(raw);
      }
      return out as T;
    },
  };
}
