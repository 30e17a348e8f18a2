/**
 * A refused command. `code` is stable and public (it becomes the problem+json `code`), `kind` picks the HTTP status
 * family at the edge, `details` names the field, rule or missing prerequisite.
 */
export type DomainErrorKind =
  'validation' | 'not-found' | 'conflict' | 'forbidden' | 'rule-violation' | 'gone';

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: DomainErrorKind,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toJSON(): DomainErrorJson {
    return { code: this.code, kind: this.kind, message: this.message, details: this.details };
  }
}

/** A refusal as it travels in a reply: stable code, kind (maps to an HTTP status), message, details. */
export interface DomainErrorJson {
  readonly code: string;
  readonly kind: DomainErrorKind;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
