import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { compatibilityProblems, schemaSetProblems } from './schema-compatibility';
import { eventSchemas } from './schemas';
import { SchemaRegistry } from './schema-registry';

const released = {
  $id: 'membership.Example.v1',
  type: 'object',
  required: ['orgId', 'role'],
  properties: {
    orgId: { type: 'string', minLength: 1 },
    role: { type: 'string', enum: ['admin', 'user'] },
    note: { type: 'string', description: 'free text' },
    settings: { type: 'object', required: ['a'], properties: { a: { type: 'boolean' } } },
  },
};
const changed = (change: (schema: typeof released & Record<string, unknown>) => void) => {
  const copy = structuredClone(released) as typeof released & Record<string, unknown>;
  change(copy);
  return copy;
};

describe('schema compatibility within a version (docs/contracts.md)', () => {
  it('allows what a subscriber cannot notice: an optional field added, descriptions changed', () => {
    expect(compatibilityProblems(released, released)).toEqual([]);
    const widened = changed((s) => {
      (s.properties as Record<string, unknown>).email = { type: 'string', format: 'email' };
      (s.properties.settings.properties as Record<string, unknown>).b = { type: 'string' };
      s.properties.note.description = 'anything the actor wrote';
    });
    expect(compatibilityProblems(released, widened)).toEqual([]);
  });

  it.each([
    [
      'a field added as required',
      (s: typeof released) => {
        (s.properties as Record<string, unknown>).email = { type: 'string' };
        s.required.push('email');
      },
      '/email: added as required (only optional fields may be added)',
    ],
    [
      'an optional field made required',
      (s: typeof released) => void s.required.push('note'),
      '/note: became required',
    ],
    [
      'a required field made optional',
      (s: typeof released) => void s.required.splice(1, 1),
      '/role: no longer required',
    ],
    [
      'a field removed',
      (s: typeof released) => void delete (s.properties as Record<string, unknown>).note,
      '/note: removed',
    ],
    [
      'a type changed',
      (s: typeof released) => void (s.properties.orgId.type = 'integer'),
      '/orgId: constraints changed (type: "string" -> "integer")',
    ],
    [
      'an enum widened',
      (s: typeof released) => void s.properties.role.enum.push('owner'),
      '/role: constraints changed (enum: ["admin","user"] -> ["admin","user","owner"])',
    ],
    [
      'a nested field removed',
      (s: typeof released) => void delete (s.properties.settings.properties as Record<string, unknown>).a,
      '/settings/a: removed',
    ],
    [
      'the schema closed to other fields',
      (s: typeof released & Record<string, unknown>) => void (s.additionalProperties = false),
      '/: closed to other fields (subscribers must be able to receive added ones)',
    ],
  ])('refuses %s', (_what, change, problem) => {
    expect(compatibilityProblems(released, changed(change as never))).toEqual([problem]);
  });

  it('refuses a released event type that is gone', () => {
    expect(schemaSetProblems([released], [])).toEqual([
      {
        type: 'membership.Example.v1',
        problems: ['removed (retire a version only after its deprecation period)'],
      },
    ]);
  });

  it('the schemas in this repository are compatible with their released forms (what CI enforces)', () => {
    const dir = join(__dirname, '../released');
    const releasedSchemas = readdirSync(dir)
      .filter((f) => f.endsWith('.schema.json'))
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
    expect(releasedSchemas.length).toBeGreaterThanOrEqual(45);
    expect(schemaSetProblems(releasedSchemas, eventSchemas as unknown as Record<string, unknown>[])).toEqual(
      [],
    );
  });

  it('published schemas are open, while producers still refuse and consumers drop a field no schema names', () => {
    for (const schema of eventSchemas)
      expect(JSON.stringify(schema)).not.toContain('"additionalProperties":false');
    const data = { orgId: 'o1', parentOrgId: 'p1', actorId: 'a1', at: '2026-12-01T00:00:00.000Z', extra: 1 };
    const producer = new SchemaRegistry();
    expect(producer.validate('membership.ParentOrganizationLinked.v1', data)).toMatchObject({ ok: false });
    const consumer = new SchemaRegistry(eventSchemas, { dropUnknownFields: true });
    const received = { ...data };
    expect(consumer.validate('membership.ParentOrganizationLinked.v1', received)).toEqual({ ok: true });
    expect(received).not.toHaveProperty('extra');
  });

  it('npm run contracts:check fails, naming the field, when a released field was changed incompatibly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'released-'));
    cpSync(join(__dirname, '../released'), dir, { recursive: true });
    // As if v1 had been released with `role` optional and a `teamIds` field the current schema dropped.
    const file = join(dir, 'membership.InvitationSent.v1.schema.json');
    const schema = JSON.parse(readFileSync(file, 'utf8')) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    schema.properties.teamIds = { type: 'array', items: { type: 'string' } };
    writeFileSync(file, JSON.stringify(schema));
    const run = promisify(execFile);
    const failed = await run(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, '../../../scripts/contracts/main.ts'), 'check'],
      { env: { ...process.env, CONTRACTS_RELEASED_DIR: dir } },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed.code).toBe(1);
    expect(failed.stdout.trim()).toBe('membership.InvitationSent.v1: /teamIds: removed');
  }, 30_000);
});
