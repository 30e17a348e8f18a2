import { BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { toProblem, validationProblem } from './problem-details';

describe('problem+json mapping (RFC 9457)', () => {
  it('maps a domain refusal to its status family, stable code and details', () => {
    const problem = toProblem(
      new DomainError('permission-prerequisite-missing', 'rule-violation', 'needs teams.manage', {
        missing: ['teams.manage'],
      }),
      '/v1/orgs/o/members/u',
    );
    expect(problem).toEqual({
      type: 'https://errors.identity-platform.dev/permission-prerequisite-missing',
      title: 'needs teams.manage',
      status: 422,
      code: 'permission-prerequisite-missing',
      instance: '/v1/orgs/o/members/u',
      missing: ['teams.manage'],
    });
    expect(toProblem(new DomainError('invitation-expired', 'gone', 'expired')).status).toBe(410);
    expect(toProblem(new DomainError('not-a-member', 'not-found', 'x')).status).toBe(404);
    expect(toProblem(new DomainError('domain-claimed', 'conflict', 'x')).status).toBe(409);
  });

  it('names every invalid field of a validation failure', () => {
    const problem = toProblem(validationProblem([{ field: 'email', message: 'email must be an email' }]));
    expect(problem).toMatchObject({
      status: 400,
      code: 'validation-failed',
      errors: [{ field: 'email', message: 'email must be an email' }],
    });
  });

  it('keeps HTTP answers as they are and never leaks an unexpected error', () => {
    expect(toProblem(new BadRequestException()).code).toBe('bad-request');
    expect(toProblem(new ServiceUnavailableException()).status).toBe(503);
    const problem = toProblem(new Error('secret connection string in a stack trace'));
    expect(problem).toEqual({
      type: 'https://errors.identity-platform.dev/internal-error',
      title: 'Internal server error',
      status: 500,
      code: 'internal-error',
    });
  });
});
