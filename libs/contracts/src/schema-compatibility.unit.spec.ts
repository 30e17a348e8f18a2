import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { compatibilityProblems, schemaSetProblems } from './schema-compatibility';
import { eventSchemas } from './schemas';
import { SchemaRegistry } from './schema-registry';
import { tempRoot } from '@app/testing';

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
      '/orgId: type changed ("string" -> "integer")',
    ],
    [
      'an enum widened',
      (s: typeof released) => void s.properties.role.enum.push('owner'),
      '/role: enum changed (["admin","user"] -> ["admin","user","owner"])',
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

  it('refuses a released event type that is gone, and a schema never recorded as released', () => {
    expect(schemaSetProblems([released], [])).toEqual([
      {
        type: 'membership.Example.v1',
        problems: ['removed (retire a version only after its deprecation period)'],
      },
    ]);
    expect(schemaSetProblems([], [released])).toEqual([
      {
        type: 'membership.Example.v1',
        problems: ['not recorded as released: run npm run contracts:release and commit it with the schema'],
      },
    ]);
  });

  it('looks inside array items and compares enums and types as sets', () => {
    const withItems = (item: Record<string, unknown>) => ({
      type: 'object',
      properties: { weekly: { type: 'array', items: item } },
    });
    const item = {
      type: 'object',
      required: ['day'],
      properties: { day: { type: 'integer', description: 'ISO' } },
    };
    const itemLater = {
      type: 'object',
      required: ['day'],
      properties: { day: { type: 'integer', description: 'ISO weekday' }, note: { type: 'string' } },
    };
    expect(compatibilityProblems(withItems(item), withItems(itemLater))).toEqual([]);
    expect(
      compatibilityProblems(withItems(item), withItems({ ...item, properties: { day: { type: 'string' } } })),
    ).toEqual(['/weekly[]/day: type changed ("integer" -> "string")']);
    const reordered = changed((s) => void s.properties.role.enum.reverse());
    expect(compatibilityProblems(released, reordered)).toEqual([]);
  });

  it('refuses an added field that is closed, a schema-valued additionalProperties, or a field added under a field limit', () => {
    const closedField = changed((s) => {
      (s.properties as Record<string, unknown>).meta = {
        type: 'object',
        additionalProperties: false,
        properties: { a: { type: 'string' } },
      };
    });
    expect(compatibilityProblems(released, closedField)).toEqual([
      '/meta: closed to other fields (subscribers must be able to receive added ones)',
    ]);
    const typedExtras = changed(
      (s) => void ((s as Record<string, unknown>).additionalProperties = { type: 'string' }),
    );
    expect(compatibilityProblems(released, typedExtras)).toEqual([
      '/: closed to other fields (subscribers must be able to receive added ones)',
    ]);
    const limited = { ...released, maxProperties: 4 };
    const added = { ...limited, properties: { ...released.properties, extra: { type: 'string' } } };
    expect(compatibilityProblems(limited, added)).toEqual([
      '/extra: added where `maxProperties` limits the fields',
    ]);
  });

  it("the closed copies leave composition branches open (closing each would strip the others' fields)", () => {
    const schema = {
      $id: 'test.Composed.v1',
      type: 'object',
      properties: { kind: { type: 'string' } },
      oneOf: [
        { properties: { kind: { const: 'a' }, a: { type: 'string' } }, required: ['a'] },
        { properties: { kind: { const: 'b' }, b: { type: 'integer' } }, required: ['b'] },
      ],
    };
    const consumer = new SchemaRegistry([schema], { dropUnknownFields: true });
    const data = { kind: 'b', b: 1 };
    expect(consumer.validate('test.Composed.v1', data)).toEqual({ ok: true });
    expect(data).toEqual({ kind: 'b', b: 1 });
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
    const dir = mkdtempSync(join(tempRoot(), 'released-'));
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
