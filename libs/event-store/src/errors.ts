import { DomainError } from '@app/domain';

/** The stream moved on while the command was being decided, and the bounded retries ran out. Maps to 409. */
export class ConcurrencyConflictError extends DomainError {
  constructor(streamName: string, attempts: number) {
    super(
      'concurrency-conflict',
      'conflict',
      `${streamName} changed concurrently; gave up after ${attempts} attempts`,
      {
        streamName,
        attempts,
      },
    );
  }
}
