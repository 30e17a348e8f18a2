import { BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { DependencyUnavailableError } from '@app/messaging';
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

  it('a refusal of a field a service names in its details is a 400 naming it in errors[], as the gateway does', () => {
    const problem = toProblem(
      new DomainError('invitation-token-invalid', 'validation', 'this invitation link is not valid', {
        field: 'token',
      }),
    );
    expect(problem).toMatchObject({
      status: 400,
      code: 'invitation-token-invalid',
      field: 'token',
      errors: [{ field: 'token', message: 'this invitation link is not valid' }],
    });
    // The reason alone, without the field's name before it.
    expect(
      toProblem(
        new DomainError('validation-failed', 'validation', 'email: not a valid e-mail address', {
          field: 'email',
        }),
      ).errors,
    ).toEqual([{ field: 'email', message: 'not a valid e-mail address' }]);
    // Only a 400 names a field that way: elsewhere `field` is a detail of a rule (e.g. which address is taken).
    expect(
      toProblem(new DomainError('email-taken', 'conflict', 'taken', { field: 'email' })),
    ).not.toHaveProperty('errors');
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

  it('answers a dependency that is down or not ready with a 503, naming only our own reason', () => {
    expect(toProblem(new DependencyUnavailableError('the read models are still being filled'))).toEqual({
      type: 'https://errors.identity-platform.dev/service-unavailable',
      title: 'Service unavailable: the read models are still being filled; retry shortly',
      status: 503,
      code: 'service-unavailable',
    });
    const driverOutage = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:27017'), {
      name: 'MongoServerSelectionError',
    });
    expect(toProblem(driverOutage)).toEqual({
      type: 'https://errors.identity-platform.dev/service-unavailable',
      title: 'A service this one depends on is unavailable; retry shortly',
      status: 503,
      code: 'service-unavailable',
    });
    // Ours, as the cause of another error, still names its reason.
    const wrapped = new Error('handler failed', {
      cause: new DependencyUnavailableError('identity keys unreachable'),
    });
    expect(toProblem(wrapped).title).toBe('Service unavailable: identity keys unreachable; retry shortly');
    // A request body the client cut off is the client's doing, not an outage.
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
    expect(toProblem(aborted).status).not.toBe(503);
    // A failure that is not an outage stays an internal error.
    expect(
      toProblem(Object.assign(new Error('E11000 duplicate key'), { name: 'MongoServerError' })).status,
    ).toBe(500);
  });
});
