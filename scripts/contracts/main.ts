/**
 * The event contracts' compatibility gate (docs/contracts.md):
 *   npm run contracts:check     every released schema still there and compatible with its released form; exit 1 if not
 *   npm run contracts:release   records the current schemas as released (refused while the check fails)
 * The released forms live in libs/contracts/released/, committed: CI compares against them.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventTypeOfSchema, schemaSetProblems } from '@app/contracts';
import { eventSchemas } from '../../libs/contracts/src/schemas';

const ROOT = join(__dirname, '../..');
const RELEASED_IN_REPO = 'libs/contracts/released';
const SCHEMAS = join(ROOT, 'libs/contracts/src/schemas');
const RELEASED = process.env.CONTRACTS_RELEASED_DIR ?? join(ROOT, RELEASED_IN_REPO);

function releasedSchemas(): Record<string, unknown>[] {
  return readdirSync(RELEASED)
    .filter((file) => file.endsWith('.schema.json'))
    .map((file) => JSON.parse(readFileSync(join(RELEASED, file), 'utf8')) as Record<string, unknown>);
}

/**
 * Every form a released schema ever had in git history: editing or deleting the snapshot together with the schema
 * does not get past the check, because the forms committed before still count.
 */
function historicalReleases(): Record<string, unknown>[] {
  if (process.env.CONTRACTS_RELEASED_DIR) return [];
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  let commits: string[];
  try {
    commits = git('log', '--format=%H', '--', RELEASED_IN_REPO).split('\n').filter(Boolean);
  } catch {
    console.error('no git history here: checked against the snapshot only');
    return [];
  }
  const seen = new Set<string>();
  const forms: Record<string, unknown>[] = [];
  for (const commit of commits)
    for (const file of git('ls-tree', '--name-only', commit, `${RELEASED_IN_REPO}/`)
      .split('\n')
      .filter(Boolean)) {
      const text = git('show', `${commit}:${file}`);
      if (seen.has(text)) continue;
      seen.add(text);
      forms.push(JSON.parse(text) as Record<string, unknown>);
    }
  return forms;
}

const NOT_RELEASED = 'not recorded as released';

function problemsAgainst(released: Record<string, unknown>[]) {
  return schemaSetProblems(released, eventSchemas as unknown as Record<string, unknown>[]);
}

function check(options: { newSchemasAllowed?: boolean } = {}): number {
  const snapshot = releasedSchemas();
  const history = historicalReleases();
  const found = new Map<string, Set<string>>();
  for (const released of [snapshot, ...history.map((form) => [form])])
    for (const { type, problems } of problemsAgainst(released))
      for (const problem of problems) {
        if (released !== snapshot && problem.startsWith(NOT_RELEASED)) continue; // judged against the snapshot
        if (options.newSchemasAllowed && problem.startsWith(NOT_RELEASED)) continue;
        found.set(type, (found.get(type) ?? new Set()).add(problem));
      }
  for (const [type, problems] of found) for (const problem of problems) console.log(`${type}: ${problem}`);
  console.error(
    `${eventSchemas.length} schema(s) against ${snapshot.length} released and ${history.length} earlier released form(s): ` +
      (found.size === 0 ? 'all compatible' : `${found.size} with problems (publish a new version instead)`),
  );
  return found.size === 0 ? 0 : 1;
}

function release(): number {
  if (check({ newSchemasAllowed: true }) !== 0) return 1;
  mkdirSync(RELEASED, { recursive: true });
  for (const schema of eventSchemas) {
    const file = `${eventTypeOfSchema(schema)}.schema.json`;
    // The schema file as written (and formatted) in the repository, so the snapshot reads the same.
    copyFileSync(join(SCHEMAS, file.split('.')[0]!, file), join(RELEASED, file));
  }
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
