import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Runs every `bench/*.bench.ts` (or those named on the command line) one after another in this process. */
async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((name) => f.includes(name)))
    .sort();
  for (const file of files) {
    console.log(`\n=== ${file} ===`);
    const bench = (await import(join(__dirname, file))) as { run: () => Promise<void> };
    await bench.run();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
