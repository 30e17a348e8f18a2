import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretCipher } from './secret-cipher';

const KEY_FILE = 'totp-encryption.key';

/** The configured key; else (development) one generated once and kept in the data directory; else a fresh one. */
export function loadTotpKey(configured: string | undefined, dataDir: string | undefined): string {
  if (configured) return configured;
  if (!dataDir) return SecretCipher.generateKey();
  const file = join(dataDir, KEY_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = SecretCipher.generateKey();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, key, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}
