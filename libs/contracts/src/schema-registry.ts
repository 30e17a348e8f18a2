import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { eventSchemas } from './schemas';

export type ValidationResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'unknown-type' | 'invalid'; readonly errors: readonly string[] };

/** Compiles every event schema once; validates event data by CloudEvents type. */
export class SchemaRegistry {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(schemas: readonly { readonly $id: string }[] = eventSchemas) {
    const ajv = new Ajv({ allErrors: true, strict: true });
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
export function schemaRegistry(): SchemaRegistry {
  defaultRegistry ??= new SchemaRegistry();
  return defaultRegistry;
}
