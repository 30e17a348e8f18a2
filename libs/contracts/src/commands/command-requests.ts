import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Type, type TObject, type TProperties } from '@sinclair/typebox';
import { Fields, type CommandDescription } from './command-description';

export type RequestCheck<R> =
  | { readonly ok: true; readonly request: R; readonly description: CommandDescription }
  | {
      readonly ok: false;
      readonly code: 'validation-failed' | 'unknown-field';
      readonly field: string;
      readonly message: string;
    };

/** The envelope around every command on the bus, besides the command itself and the signature. */
export const ENVELOPE_FIELDS = {
  commandId: Fields.id,
  correlationId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '\\S' })),
  /** R22: set by the gateway when the access token shows a second factor (`amr` contains `otp`). */
  actorTwoFactor: Type.Optional(Fields.boolean),
  /** Set by the gateway for a caller in IDENTITY_OPERATORS (operator routes only). */
  actorIsOperator: Type.Optional(Fields.boolean),
  /**
   * Set by the gateway for a caller who no longer stands in the organization (they left it, or deleted it): only a
   * retry of a command the organization recorded under this id is answered, as the first time; anything else is
   * refused `command-not-recorded`, and nothing is decided.
   */
  repeatOnly: Type.Optional(Fields.boolean),
  command: Type.Object({ type: Type.String({ minLength: 1, maxLength: 100 }) }),
  /** Checked before the shape (see `@app/messaging` signed requests). */
  auth: Type.Optional(Type.Unknown()),
} satisfies TProperties;

/**
 * One validation mechanism for the commands of a topic: the envelope, then the command's own fields by its type,
 * with JSON Schemas compiled once by ajv. Unknown fields are refused by name (`__proto__` included), so nothing a
 * caller adds reaches the domain. Internal commands are unknown here: they never come from the bus.
 */
export class CommandRequests<R extends { readonly command: { readonly type: string } }> {
  private readonly envelope: ValidateFunction;
  private readonly commands = new Map<
    string,
    { description: CommandDescription; validate: ValidateFunction }
  >();

  constructor(descriptions: Readonly<Record<string, CommandDescription>>, envelope: TProperties) {
    const ajv = new Ajv({ allErrors: false, strict: true });
    addFormats(ajv);
    this.envelope = ajv.compile(
      Type.Object({ ...ENVELOPE_FIELDS, ...envelope }, { additionalProperties: false }),
    );
    for (const [type, description] of Object.entries(descriptions)) {
      if (description.internal) continue;
      const schema: TObject = Type.Object(
        { type: Type.Literal(type), ...description.fields.properties },
        { additionalProperties: false },
      );
      this.commands.set(type, { description, validate: ajv.compile(schema) });
    }
  }

  check(raw: unknown): RequestCheck<R> {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return { ok: false, code: 'validation-failed', field: 'body', message: 'body: must be an object' };
    if (!this.envelope(raw)) return refusal(this.envelope.errors, '');
    const type = (raw as { command: { type: string } }).command.type;
    const known = this.commands.get(type);
    if (!known)
      return {
        ok: false,
        code: 'validation-failed',
        field: 'command.type',
        message: `command.type: unknown command ${type}`,
      };
    if (!known.validate((raw as { command: unknown }).command))
      return refusal(known.validate.errors, 'command');
    return { ok: true, request: raw as R, description: known.description };
  }
}

function refusal(errors: ErrorObject[] | null | undefined, prefix: string): RequestCheck<never> {
  const error = errors?.[0];
  const at = (path: string) =>
    [prefix, ...path.split('/').filter(Boolean)].filter(Boolean).join('.') || 'body';
  if (!error) return { ok: false, code: 'validation-failed', field: prefix || 'body', message: 'is invalid' };
  if (error.keyword === 'additionalProperties') {
    const field = at(
      `${error.instancePath}/${(error.params as { additionalProperty: string }).additionalProperty}`,
    );
    return { ok: false, code: 'unknown-field', field, message: `${field}: is not a field of this command` };
  }
  if (error.keyword === 'required') {
    const field = at(
      `${error.instancePath}/${(error.params as { missingProperty: string }).missingProperty}`,
    );
    return { ok: false, code: 'validation-failed', field, message: `${field}: is required` };
  }
  const field = at(error.instancePath);
  const message =
    error.keyword === 'pattern' && error.params.pattern === '\\S'
      ? 'must not be blank'
      : (error.message ?? 'is invalid');
  return { ok: false, code: 'validation-failed', field, message: `${field}: ${message}` };
}
