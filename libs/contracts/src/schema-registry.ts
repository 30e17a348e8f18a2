import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { eventSchemas } from './schemas';
import { eventTypeOfSchema } from './schema-uri';

export type ValidationResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'unknown-type' | 'invalid'; readonly errors: readonly string[] };

/**
 * Compiles every event schema once; validates event data by CloudEvents type. The published schemas are open (a field
 * added within a version must not break a subscriber, docs/contracts.md), so both registries compile a closed copy:
 * a producer's refuses a field its schema does not name (a typo, or a field added without its schema); a consumer's
 * is a tolerant reader that drops such fields, so a producer upgraded first does not send its events to a consumer's
 * dead-letter topic.
 */
export class SchemaRegistry {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(
    schemas: readonly { readonly $id: string }[] = eventSchemas,
    options: { readonly dropUnknownFields?: boolean } = {},
  ) {
    const ajv = new Ajv({
      allErrors: true,
      strict: true,
      removeAdditional: options.dropUnknownFields ?? false,
    });
    addFormats(ajv);
    for (const schema of schemas)
      this.validators.set(eventTypeOfSchema(schema), ajv.compile(closedCopyOf(schema)));
  }

  get types(): string[] {
    return [...this.validators.keys()].sort();
  }

  validate(type: string, data: unknown): ValidationResult {
    const validate = this.validators.get(type);
    if (!validate) return { ok: false, reason: 'unknown-type', errors: [`no schema for event type ${type}`] };
    if (validate(data)) return { ok: true };
    return {
      ok: false,
      reason: 'invalid',
      errors: (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`),
    };
  }
}

let defaultRegistry: SchemaRegistry | undefined;
let consumerRegistry: SchemaRegistry | undefined;

/** The registry consumers validate with: unknown fields dropped (see SchemaRegistry). */
export function consumerSchemaRegistry(): SchemaRegistry {
  consumerRegistry ??= new SchemaRegistry(eventSchemas, { dropUnknownFields: true });
  return consumerRegistry;
}

export function schemaRegistry(): SchemaRegistry {
  defaultRegistry ??= new SchemaRegistry();
  return defaultRegistry;
}

/**
 * The schema with every object that lists its properties closed to others (unless it says otherwise). Branches of
 * oneOf/anyOf/allOf stay as they are: closing each would refuse (or strip) the fields the other branches name.
 */
export function closedCopyOf<S>(schema: S): S {
  if (Array.isArray(schema)) return schema.map((item: unknown) => closedCopyOf(item)) as S;
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema))
    copy[key] = COMPOSITION.has(key) ? value : closedCopyOf(value);
  const types = Array.isArray(copy.type) ? copy.type : [copy.type];
  const composed = ['oneOf', 'anyOf', 'allOf'].some((key) => key in copy); // its fields are spread over branches
  if (types.includes('object') && copy.properties && !composed && !('additionalProperties' in copy))
    copy.additionalProperties = false;
  return copy as S;
}

const COMPOSITION = new Set(['oneOf', 'anyOf', 'allOf', 'not', 'if', 'then', 'else']);
