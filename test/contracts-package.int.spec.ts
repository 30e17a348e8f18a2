import { execFile } from 'node:child_process';
import { Parser, fromFile } from '@asyncapi/parser';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventSchemas, eventTypeOfSchema } from '@app/contracts';
import { makeTempDir } from '@app/testing';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

/**
 * The contracts as another team gets them: built, packed with npm, unpacked into a consumer's node_modules, and used
 * from plain Node and from TypeScript with nothing of this repository on the path.
 */
describe('the published contracts package', () => {
  let consumer: string;
  let files: string[];

  beforeAll(async () => {
    const built = join(await makeTempDir('contracts-package'), 'package');
    await run('npm', ['run', '-s', 'contracts:package', '--', built], { cwd: ROOT });
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', built], { cwd: built });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    files = packed!.files.map((f) => f.path).sort();
    consumer = await makeTempDir('contracts-consumer');
    const installed = join(consumer, 'node_modules/@identity-platform/contracts');
    mkdirSync(installed, { recursive: true });
    await run('tar', ['-xzf', join(built, packed!.filename), '-C', installed, '--strip-components=1']);
  }, 120_000);

  it('holds every schema, the AsyncAPI document, the types, the changelog and its own version', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'CHANGELOG.md',
        'README.md',
        'asyncapi.yaml',
        'index.d.ts',
        'index.js',
        'package.json',
      ]),
    );
    expect(files.filter((f) => f.startsWith('schemas/')).sort()).toEqual(
      eventSchemas.map((s) => `schemas/${eventTypeOfSchema(s)}.json`).sort(),
    );
    const manifest = JSON.parse(
      readFileSync(join(consumer, 'node_modules/@identity-platform/contracts/package.json'), 'utf8'),
    ) as { version: string; private?: boolean };
    const own = JSON.parse(readFileSync(join(ROOT, 'libs/contracts/package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifest.version).toBe(own.version);
    expect(manifest.private).toBeUndefined();
    expect(readFileSync(join(ROOT, 'libs/contracts/CHANGELOG.md'), 'utf8')).toContain(`## ${own.version} `);
  });

  it('validates real event data from plain Node with ajv, and refuses data that breaks the schema', async () => {
    writeFileSync(
      join(consumer, 'check.js'),
      `
      const Ajv = require(${JSON.stringify(require.resolve('ajv'))});
      const addFormats = require(${JSON.stringify(require.resolve('ajv-formats'))});
      const { schemas, eventTypes, schemaPath } = require('@identity-platform/contracts');
      const ajv = addFormats(new Ajv({ strict: true }));
      const schema = schemas['membership.MemberRoleChanged.v1'];
      const data = { orgId: 'o1', userId: 'u1', from: 'user', to: 'admin', actorId: 'u0', at: '2026-12-01T08:00:00Z', later: 1 };
      console.log(JSON.stringify({
        types: eventTypes.length,
        id: schema.$id,
        path: schemaPath('membership.MemberRoleChanged.v1'),
        valid: ajv.validate(schema, data),
        invalid: ajv.validate(schema, { ...data, to: 'emperor' }),
      }));`,
    );
    const { stdout } = await run(process.execPath, ['check.js'], { cwd: consumer });
    expect(JSON.parse(stdout)).toEqual({
      types: eventSchemas.length,
      id: '/schemas/membership.MemberRoleChanged.v1.json',
      path: '/schemas/membership.MemberRoleChanged.v1.json',
      valid: true, // an unknown field is fine: the schemas are open
      invalid: false,
    });
  });

  it('types every event from its schema: a consumer compiles, and a wrong field type does not', async () => {
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `
      import { type PlatformEvent, type EventDataByType } from '@identity-platform/contracts';
      export function roleOf(event: PlatformEvent<'membership.MemberRoleChanged.v1'>): 'owner' | 'admin' | 'user' {
        return event.data.to;
      }
      export const deleted: EventDataByType['identity.UserDeleted.v1'] = {
        userId: 'u1', ownedOrganizationIds: [], ownedOrganizationsConfirmed: true, actorId: 'u1', at: '2026-12-01T08:00:00Z',
      };
      // @ts-expect-error a role outside the schema's enum
      export const wrong: EventDataByType['membership.MemberRoleChanged.v1'] = { ...({} as EventDataByType['membership.MemberRoleChanged.v1']), to: 'emperor' };
      `,
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const compileIn = (file: string) =>
      run(
        process.execPath,
        [tsc, '--noEmit', '--strict', '--moduleResolution', 'node10', '--module', 'commonjs', file],
        {
          cwd: consumer,
        },
      );
    await expect(compileIn('consumer.ts')).resolves.toBeDefined();
    writeFileSync(
      join(consumer, 'broken.ts'),
      readFileSync(join(consumer, 'consumer.ts'), 'utf8').replace(
        "// @ts-expect-error a role outside the schema's enum\n",
        '',
      ),
    );
    await expect(compileIn('broken.ts')).rejects.toMatchObject({
      stdout: expect.stringContaining('emperor'),
    });
    expect(readdirSync(consumer)).toContain('node_modules');
  }, 60_000);
  it('has an AsyncAPI document the official parser reads without a finding, its payloads resolved inside the package', async () => {
    const installed = join(consumer, 'node_modules/@identity-platform/contracts');
    for (const path of [join(ROOT, 'libs/contracts/asyncapi.yaml'), join(installed, 'asyncapi.yaml')]) {
      const { document, diagnostics } = await fromFile(new Parser(), path).parse();
      expect({ path, findings: diagnostics.map((d) => `${d.code}: ${d.message}`) }).toEqual({
        path,
        findings: [],
      });
      expect(document!.version()).toBe('3.1.0');
      const payloads = document!
        .allMessages()
        .all()
        .map((message) => message.payload()?.json() as { $id?: string } | undefined);
      expect(payloads.length).toBe(eventSchemas.length);
      for (const payload of payloads) expect(payload?.$id).toMatch(/^\/schemas\/.+\.json$/);
    }
  }, 60_000);
});
