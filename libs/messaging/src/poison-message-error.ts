/**
 * A message that can never succeed (malformed envelope, unknown type, schema violation): it goes to the DLQ at once
 * instead of being retried.
 */
export class PoisonMessageError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}
