import { validationProblem } from '@app/platform';

/** A PATCH that names no change is refused, not answered as a successful no-op: the client meant something else. */
export function requireSomeChange<T extends object>(body: T, fields: readonly (keyof T & string)[]): void {
  if (fields.some((field) => body[field] !== undefined)) return;
  throw validationProblem([{ field: 'body', message: `give at least one of ${fields.join(', ')}` }]);
}
