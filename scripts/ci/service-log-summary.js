#!/usr/bin/env node
// After a failed CI run: the warnings and errors the service processes that tests started logged (SERVICE_LOG_DIR),
// a few distinct ones per process, so a failure that only shows as a timeout in a test has its cause printed beside it.
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
const PER_FILE = 8;
if (!dir || !fs.existsSync(dir)) process.exit(0);
for (const file of fs.readdirSync(dir).sort()) {
  const seen = new Map();
  for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (!(entry.level >= 40)) continue;
    const text = `${entry.msg ?? ''} ${entry.err?.message ?? ''}`.trim();
    seen.set(text, (seen.get(text) ?? 0) + 1);
  }
  if (seen.size === 0) continue;
  console.log(`--- ${file}`);
  for (const [text, count] of [...seen].slice(-PER_FILE)) console.log(`  ${count}x ${text.slice(0, 300)}`);
}
