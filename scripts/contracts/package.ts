/**
 * Builds the contracts package (docs/contracts.md): npm run contracts:package [-- <out dir>]
 * Out (default dist/contracts): package.json, README.md, CHANGELOG.md, asyncapi.yaml, schemas/<type>.json, and
 * index.js / index.d.ts: every schema by type, and a TypeScript type for each event's data, generated from its schema.
 * `npm pack` in the out dir makes the tarball to publish.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { compile } from 'json-schema-to-typescript';
import { eventSchemas, eventTypeOfSchema } from '@app/contracts';

const ROOT = join(__dirname, '../..');
const CONTRACTS = join(ROOT, 'libs/contracts');

/** `membership.MemberRoleChanged.v1` -> `MembershipMemberRoleChangedV1`. */
export function typeNameOf(eventType: string): string {
  return eventType
    .split('.')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

async function dataTypeOf(schema: Record<string, unknown>): Promise<string> {
  const type = eventTypeOfSchema(schema);
  // The title would name the type; the generated name must say the version and the service too.
  const named = { ...schema, title: typeNameOf(type), $id: undefined };
  return compile(named as never, typeNameOf(type), {
    bannerComment: '',
    additionalProperties: true,
    strictIndexSignatures: true,
    format: true,
  });
}

/** Only a folder that is missing, empty, or an earlier build of this package is replaced. */
function clearOutput(out: string, name: string): void {
  if (!existsSync(out) || readdirSync(out).length === 0) return;
  const manifest = join(out, 'package.json');
  const earlier =
    existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  if (earlier !== name)
    throw new Error(`${out} is not empty and not an earlier build of ${name}: not replacing it`);
  rmSync(out, { recursive: true, force: true });
}

export async function buildContractsPackage(out: string): Promise<string[]> {
  const manifest = JSON.parse(readFileSync(join(CONTRACTS, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const { private: _private, ...published } = manifest;
  clearOutput(out, published.name as string);
  mkdirSync(join(out, 'schemas'), { recursive: true });
  const types = eventSchemas.map((schema) => eventTypeOfSchema(schema)).sort();
  for (const schema of eventSchemas)
    writeFileSync(
      join(out, 'schemas', `${eventTypeOfSchema(schema)}.json`),
      `${JSON.stringify(schema, null, 2)}\n`,
    );
  // The payloads point at the schema files as they lie in the repository; in the package they lie in schemas/.
  writeFileSync(
    join(out, 'asyncapi.yaml'),
    readFileSync(join(CONTRACTS, 'asyncapi.yaml'), 'utf8').replace(
      /\.\/src\/schemas\/[a-z]+\/([A-Za-z0-9]+\.[A-Za-z0-9]+\.v[0-9]+)\.schema\.json/g,
      './schemas/$1.json',
    ),
  );
  copyFileSync(join(CONTRACTS, 'CHANGELOG.md'), join(out, 'CHANGELOG.md'));
  writeFileSync(
    join(out, 'package.json'),
    `${JSON.stringify(
      {
        ...published,
        main: 'index.js',
        types: 'index.d.ts',
        files: ['index.js', 'index.d.ts', 'schemas', 'asyncapi.yaml', 'CHANGELOG.md', 'README.md'],
        exports: {
          '.': { types: './index.d.ts', default: './index.js' },
          './schemas/*': './schemas/*',
          './asyncapi.yaml': './asyncapi.yaml',
        },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    join(out, 'index.js'),
    [
      "'use strict';",
      '/** Every event schema by CloudEvents type. */',
      'exports.schemas = {',
      ...types.map((type) => `  ${JSON.stringify(type)}: require('./schemas/${type}.json'),`),
      '};',
      'exports.eventTypes = Object.keys(exports.schemas);',
      "/** The path of a type's schema under the gateway's PUBLIC_URL (the events' `dataschema` is the absolute URI). */",
      'exports.schemaPath = (type) => `/schemas/${type}.json`;',
      '',
    ].join('\n'),
  );
  const dataTypes = await Promise.all(eventSchemas.map((schema) => dataTypeOf(schema)));
  writeFileSync(
    join(out, 'index.d.ts'),
    [
      `// Generated from the JSON Schemas of ${published.name as string}@${published.version as string}. Do not edit.`,
      '',
      ...dataTypes,
      "/** Each event type's data. */",
      'export interface EventDataByType {',
      ...types.map((type) => `  ${JSON.stringify(type)}: ${typeNameOf(type)};`),
      '}',
      'export type EventType = keyof EventDataByType;',
      '',
      '/** A public event as a CloudEvent (Kafka binary mode: the attributes are `ce_*` headers, the data the body). */',
      'export interface PlatformEvent<T extends EventType = EventType> {',
      '  id: string;',
      '  type: T;',
      '  source: string;',
      '  /** The aggregate id, also the Kafka key. */',
      '  subject: string;',
      '  time: string;',
      "  specversion: '1.0';",
      "  datacontenttype: 'application/json';",
      '  dataschema?: string;',
      '  correlationid: string;',
      '  causationid: string;',
      '  actor: string;',
      '  tenant?: string;',
      '  actingvia?: string;',
      '  /** The aggregate revision: an integer carried as decimal text; compare it as a number. */',
      '  revision: string;',
      '  traceparent?: string;',
      '  data: EventDataByType[T];',
      '}',
      '',
      'export declare const schemas: { readonly [T in EventType]: Record<string, unknown> };',
      'export declare const eventTypes: readonly EventType[];',
      'export declare function schemaPath(type: EventType): string;',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(out, 'README.md'),
    [
      `# ${published.name as string}`,
      '',
      published.description as string,
      '',
      "- `schemas/<type>.json`: each event's data (JSON Schema draft-07, open: ignore fields you do not know).",
      '- `asyncapi.yaml`: topics, keys, headers, Kafka bindings and dead-letter topics.',
      '- `index.d.ts`: `EventDataByType`, `PlatformEvent<T>` and one interface per event type.',
      '',
      'Within one version of an event only optional fields are added; see CHANGELOG.md.',
      '',
    ].join('\n'),
  );
  return types;
}

if (require.main === module) {
  const out = resolve(process.argv[2] ?? join(ROOT, 'dist/contracts'));
  buildContractsPackage(out).then(
    (types) => console.error(`${types.length} event type(s) packaged in ${out}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
