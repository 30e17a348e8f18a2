/**
 * What a subscriber may rely on within one version of an event (docs/contracts.md), checked the way a schema
 * registry's FULL (BACKWARD and FORWARD) check does for JSON Schema with an open content model:
 * - the schema stays open (no `additionalProperties: false` anywhere): subscribers ignore fields they do not know;
 * - a field may be added only as optional;
 * - every released field stays, with the same constraints, and stays required or optional as it was;
 * - titles, descriptions and examples may change.
 * Anything else is a new version (`.v2`), published side by side with the old one.
 */
import { eventTypeOfSchema } from './schema-uri';

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set([
  'title',
  'description',
  'examples',
  '$comment',
  'deprecated',
  'default',
  'readOnly',
  'writeOnly',
]);
/** Compared field by field, or as sets, below; everything else must stay exactly as released. */
const WALKED = new Set(['properties', 'required', 'additionalProperties', 'items', 'enum', 'type']);
/** Keywords that make an added field break old subscribers even in an open schema. */
const LIMITS_ON_FIELDS = ['maxProperties', 'patternProperties', 'propertyNames'];

export function compatibilityProblems(released: Schema, current: Schema, path = ''): string[] {
  const at = path || '/';
  const problems: string[] = [];
  if (current.additionalProperties !== undefined && current.additionalProperties !== true)
    problems.push(`${at}: closed to other fields (subscribers must be able to receive added ones)`);
  const releasedProperties = (released.properties ?? {}) as Record<string, Schema>;
  const currentProperties = (current.properties ?? {}) as Record<string, Schema>;
  const releasedRequired = new Set((released.required ?? []) as string[]);
  const currentRequired = new Set((current.required ?? []) as string[]);
  for (const name of currentRequired)
    if (!releasedRequired.has(name))
      problems.push(
        `${path}/${name}: ${name in releasedProperties ? 'became required' : 'added as required (only optional fields may be added)'}`,
      );
  for (const name of releasedRequired)
    if (!currentRequired.has(name)) problems.push(`${path}/${name}: no longer required`);
  for (const [name, schema] of Object.entries(releasedProperties)) {
    const now = currentProperties[name];
    if (!now) problems.push(`${path}/${name}: removed`);
    else problems.push(...compatibilityProblems(schema, now, `${path}/${name}`));
  }
  for (const [name, schema] of Object.entries(currentProperties)) {
    if (name in releasedProperties) continue;
    const limit = LIMITS_ON_FIELDS.find((keyword) => keyword in released);
    if (limit) problems.push(`${path}/${name}: added where \`${limit}\` limits the fields`);
    problems.push(...closedPlaces(schema, `${path}/${name}`));
  }
  if (isSchema(released.items) && isSchema(current.items))
    problems.push(...compatibilityProblems(released.items, current.items, `${path}[]`));
  else if (canonical(released.items) !== canonical(current.items)) problems.push(`${path}[]: items changed`);
  for (const keyword of ['enum', 'type'])
    if (canonical(asSet(released[keyword])) !== canonical(asSet(current[keyword])))
      problems.push(
        `${at}: ${keyword} changed (${canonical(released[keyword]) ?? 'none'} -> ${canonical(current[keyword]) ?? 'none'})`,
      );
  const constraintsOf = (schema: Schema) =>
    Object.fromEntries(
      // `$id` names the type, which schemaSetProblems matches by name (it moved from the bare type to a path).
      Object.entries(schema).filter(([key]) => !ANNOTATIONS.has(key) && !WALKED.has(key) && key !== '$id'),
    );
  if (canonical(constraintsOf(released)) !== canonical(constraintsOf(current)))
    problems.push(
      `${at}: constraints changed (${describeChange(constraintsOf(released), constraintsOf(current))})`,
    );
  return problems;
}

/** Every place in a schema closed to other fields. */
function closedPlaces(schema: unknown, path: string): string[] {
  if (!isSchema(schema)) return [];
  const here =
    schema.additionalProperties !== undefined && schema.additionalProperties !== true
      ? [`${path}: closed to other fields (subscribers must be able to receive added ones)`]
      : [];
  const below = Object.entries((schema.properties ?? {}) as Record<string, unknown>).flatMap(
    ([name, child]) => closedPlaces(child, `${path}/${name}`),
  );
  return [...here, ...below, ...closedPlaces(schema.items, `${path}[]`)];
}

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function asSet(value: unknown): unknown {
  return Array.isArray(value) ? [...value].map((v) => canonical(v)).sort() : value;
}

/** Problems of the whole set: every released schema must still be there, and compatible; and every schema released. */
export function schemaSetProblems(
  released: readonly Schema[],
  current: readonly Schema[],
): { readonly type: string; readonly problems: string[] }[] {
  const byType = new Map(current.map((schema) => [eventTypeOfSchema(schema), schema]));
  const releasedTypes = new Set(released.map((schema) => eventTypeOfSchema(schema)));
  const unreleased = current
    .filter((schema) => !releasedTypes.has(eventTypeOfSchema(schema)))
    .map((schema) => ({
      type: eventTypeOfSchema(schema),
      problems: ['not recorded as released: run npm run contracts:release and commit it with the schema'],
    }));
  const changed = released
    .map((schema) => {
      const type = eventTypeOfSchema(schema);
      const now = byType.get(type);
      return {
        type,
        problems: now
          ? compatibilityProblems(schema, now)
          : ['removed (retire a version only after its deprecation period)'],
      };
    })
    .filter((result) => result.problems.length > 0);
  return [...changed, ...unreleased];
}

function describeChange(before: Schema, after: Schema): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (key) => canonical(before[key]) !== canonical(after[key]),
  );
  return keys
    .map((key) => `${key}: ${canonical(before[key]) ?? 'none'} -> ${canonical(after[key]) ?? 'none'}`)
    .join('; ');
}

function canonical(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v) ?? 'null').join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Schema)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
