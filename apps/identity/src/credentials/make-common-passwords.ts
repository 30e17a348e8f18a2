/**
 * One-off: writes common-passwords.txt from the ranked list shipped by the npm package
 * `@zxcvbn-ts/language-common` (MIT; `src/passwords.json`, most common first).
 * ASVS 5.0 (6.2.4) asks for the top passwords *that satisfy the length policy*, so shorter ones are skipped.
 *
 *   npm pack @zxcvbn-ts/language-common@4.1.3 && tar xzf zxcvbn-ts-language-common-4.1.3.tgz
 *   node -r @swc-node/register apps/identity/src/credentials/make-common-passwords.ts package/src/passwords.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-length';

const COUNT = 10_000;

function main(source: string): void {
  const ranked = JSON.parse(readFileSync(source, 'utf8')) as string[];
  const picked = new Set<string>();
  for (const candidate of ranked) {
    const normalized = candidate.normalize('NFKC').toLowerCase();
    const length = [...normalized].length;
    if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) continue;
    picked.add(normalized);
    if (picked.size === COUNT) break;
  }
  writeFileSync(join(__dirname, 'common-passwords.txt'), [...picked].join('\n') + '\n');
  console.log(`wrote ${picked.size} passwords`);
}

main(process.argv[2] ?? 'package/src/passwords.json');
