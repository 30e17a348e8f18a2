import { humanField, problemMessage } from './problem';

describe('console: a refusal in plain words', () => {
  it("shows the API's sentence, never the code", () => {
    const text = problemMessage({
      code: 'owner-required',
      title: 'the Owner role changes only by transferring ownership (R2, R3)',
      status: 422,
    });
    expect(text).toBe('The Owner role changes only by transferring ownership (R2, R3)');
    expect(text).not.toContain('owner-required');
  });

  it('names each field that is wrong in words', () => {
    expect(
      problemMessage({
        code: 'validation-failed',
        title: 'Validation failed',
        errors: [
          { field: 'newOwnerId', message: 'must be a UUID' },
          { field: 'body', message: 'not valid JSON' },
        ],
      }),
    ).toBe('Some fields need attention. new owner id: must be a UUID not valid JSON');
  });

  it("says a service's refusal of one field once: its title already names the field and the reason", () => {
    expect(
      problemMessage({
        code: 'invalid-phone',
        title: 'phone: not a valid phone number',
        errors: [{ field: 'phone', message: 'not a valid phone number' }],
      }),
    ).toBe('Phone: not a valid phone number.');
  });

  it('has words of its own for the codes whose title is for developers, and a fallback', () => {
    expect(problemMessage({ code: 'too-many-requests', title: 'Too many requests; retry in 3 s' })).toMatch(
      /^Too many attempts/,
    );
    expect(problemMessage(undefined)).toBe('Something went wrong. Please try again.');
    expect(problemMessage({ status: 500 }, 'Could not load.')).toBe('Could not load.');
  });

  it('turns field paths into words', () => {
    expect(humanField('teamIds.0')).toBe('team ids');
    expect(humanField('email')).toBe('email');
  });
});
