/**
 * The event contracts' compatibility gate (docs/contracts.md):
 *   npm run contracts:check     every released schema still there and compatible with its released form; exit 1 if not
 *   npm run contracts:release   records the current schemas as released (refused while the check fails)
 * The released forms live in libs/contracts/released/, committed: CI compares against them.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaSetProblems } from '@app/contracts';
import { eventSchemas } from '../../libs/contracts/src/schemas';

const RELEASED = process.env.CONTRACTS_RELEASED_DIR ?? join(__dirname, '../../libs/contracts/released');

function releasedSchemas(): Record<string, unknown>[] {
  return readdirSync(RELEASED)
    .filter((file) => file.endsWith('.schema.json'))
    .map((file) => JSON.parse(readFileSync(join(RELEASED, file), 'utf8')) as Record<string, unknown>);
}

function check(): number {
  const released = releasedSchemas();
  const problems = schemaSetProblems(released, eventSchemas as unknown as Record<string, unknown>[]);
  for (const { type, problems: list } of problems)
    for (const problem of list) console.log(`${type}: ${problem}`);
  const added =
    eventSchemas.length - released.filter((r) => eventSchemas.some((s) => s.$id === r.$id)).length;
  console.error(
    `${released.length} released schema(s) checked: ${problems.length === 0 ? 'all compatible' : `${problems.length} incompatible (publish a new version instead)`}` +
      `${added > 0 ? `; ${added} not released yet` : ''}`,
  );
  return problems.length === 0 ? 0 : 1;
}

function release(): number {
  if (check() !== 0) return 1;
  mkdirSync(RELEASED, { recursive: true });
  for (const schema of eventSchemas)
    writeFileSync(join(RELEASED, `${schema.$id}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
  console.error(`${eventSchemas.length} schema(s) recorded as released`);
  return 0;
}

const command = process.argv[2];
process.exit(
  command === 'release'
    ? release()
    : command === 'check'
      ? check()
      : (console.error('usage: check | release'), 2),
);
