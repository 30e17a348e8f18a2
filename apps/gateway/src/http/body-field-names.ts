import { DomainError, isDomainError } from '@app/domain';

/** How a body calls a command's field, where the two differ: `{ permissions: 'grant' }`. */
export type BodyFieldNames = Readonly<Record<string, string>>;

/**
 * A write service's refusal names the command's field; a client knows only the body it sent. Where the route's body
 * calls that field otherwise (`grant` for `permissions`), the refusal is answered with the body's name.
 */
export async function refusalsNamingTheBody<T>(answer: Promise<T>, names: BodyFieldNames): Promise<T> {
  try {
    return await answer;
  } catch (error) {
    throw inBodyTerms(error, names);
  }
}

function inBodyTerms(error: unknown, names: BodyFieldNames): unknown {
  if (!isDomainError(error)) return error;
  const field = error.details.field;
  if (typeof field !== 'string') return error;
  const bodyField = bodyNameOf(field, names);
  if (bodyField === undefined) return error;
  const errors = error.details.errors;
  return new DomainError(
    error.code,
    error.kind,
    error.message.startsWith(`${field}: `)
      ? `${bodyField}${error.message.slice(field.length)}`
      : error.message,
    {
      ...error.details,
      field: bodyField,
      ...(Array.isArray(errors)
        ? {
            errors: errors.map((entry: { field?: unknown }) =>
              entry.field === field ? { ...entry, field: bodyField } : entry,
            ),
          }
        : {}),
    },
  );
}

/** The body's name of a field or of a place inside it: `permissions.0` is `grant.0` where `permissions` is `grant`. */
function bodyNameOf(field: string, names: BodyFieldNames): string | undefined {
  const dot = field.indexOf('.');
  const head = dot === -1 ? field : field.slice(0, dot);
  return Object.hasOwn(names, head) ? `${names[head]}${dot === -1 ? '' : field.slice(dot)}` : undefined;
}
