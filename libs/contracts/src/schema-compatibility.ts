/**
 * What a subscriber may rely on within one version of an event (docs/contracts.md), checked the way a schema
 * registry's FULL (BACKWARD and FORWARD) check does for JSON Schema with an open content model:
 * - the schema stays open (no `additionalProperties: false` anywhere): subscribers ignore fields they do not know;
 * - a field may be added only as optional;
 * - every released field stays, with the same constraints, and stays required or optional as it was;
 * - titles, descriptions and examples may change.
 * Anything else is a new version (`.v2`), published side by side with the old one.
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['title', 'description', 'examples', '$comment', 'deprecated']);

export function compatibilityProblems(released: Schema, current: Schema, path = ''): string[] {
  const at = path || '/';
  const problems: string[] = [];
  if (current.additionalProperties === false)
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
  const constraintsOf = (schema: Schema) =>
    Object.fromEntries(
      Object.entries(schema).filter(
        ([key]) =>
          !ANNOTATIONS.has(key) &&
          key !== 'properties' &&
          key !== 'required' &&
          key !== 'additionalProperties',
      ),
    );
  if (canonical(constraintsOf(released)) !== canonical(constraintsOf(current)))
    problems.push(
      `${at}: constraints changed (${describeChange(constraintsOf(released), constraintsOf(current))})`,
    );
  return problems;
}

/** Problems of the whole set: every released schema must still be there, and compatible. */
export function schemaSetProblems(
  released: readonly Schema[],
  current: readonly Schema[],
): { readonly type: string; readonly problems: string[] }[] {
  const byId = new Map(current.map((schema) => [String(schema.$id), schema]));
  return released
    .map((schema) => {
      const type = String(schema.$id);
      const now = byId.get(type);
      return {
        type,
        problems: now
          ? compatibilityProblems(schema, now)
          : ['removed (retire a version only after its deprecation period)'],
      };
    })
    .filter((result) => result.problems.length > 0);
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
