import { DomainError } from '@app/domain';

/** The code of the domain refusal `promise` ends in, or `accepted`: tests tell a refusal from a success by it. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'accepted';
}
