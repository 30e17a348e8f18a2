import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A small string-keyed map kept in one JSON file, written through on every change (write a temp file, then rename,
 * so a crash leaves the old or the new file, never half of one). For the embedded default only: secrets that cannot
 * be rebuilt from events (password hashes, TOTP secrets) must survive `npm start` restarts. Production uses MongoDB.
 */
export class JsonFileMap<T> {
  private readonly entries: Map<string, T>;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.entries = existsSync(file)
      ? new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, T>))
      : new Map();
  }

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: T): void {
    this.entries.set(key, value);
    this.save();
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.save();
  }

  private save(): void {
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify(Object.fromEntries(this.entries)), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
