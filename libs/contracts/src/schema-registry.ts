import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { eventSchemas } from './schemas';

export type ValidationResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'unknown-type' | 'invalid'; readonly errors: readonly string[] };

/**
 * Compiles every event schema once; validates event data by CloudEvents type. A producer's registry is strict. A
 * consumer's is a tolerant reader: fields it does not know are dropped, not refused, so a producer upgraded first
 * (adding an optional field within a major version) does not send its events to a consumer's dead-letter topic.
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
    for (const schema of schemas) this.validators.set(schema.$id, ajv.compile(schema));
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
