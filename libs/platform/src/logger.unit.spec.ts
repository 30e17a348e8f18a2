import { Writable } from 'node:stream';
import { createLogger, redactPathsIn, redactUrl } from './logger';

describe('logs keep secrets out', () => {
  it('paths and queries lose their tokens, nothing else', () => {
    expect(redactUrl('/v1/invitations/abc.def-123/accept')).toBe('/v1/invitations/[redacted]/accept');
    expect(redactUrl('/v1/orgs/o1/invitations/i1/send')).toBe('/v1/orgs/o1/invitations/i1/send');
    // The token in the body: the route is named as it is.
    expect(redactUrl('/v1/invitations/accept')).toBe('/v1/invitations/accept');
    expect(redactUrl('/v1/invitations/preview?x=1')).toBe('/v1/invitations/preview?x=1');
    expect(redactUrl('/v1/invitations/acceptable.token/accept')).toBe('/v1/invitations/[redacted]/accept');
    // the mailed link and the console page it redirects to
    expect(redactUrl('/invitations/abc.def-123')).toBe('/invitations/[redacted]');
    expect(redactUrl('/console/invitations/abc.def-123?x=1')).toBe('/console/invitations/[redacted]?x=1');
    expect(redactUrl('/verify-email?token=s3cret&x=1')).toBe('/verify-email?token=[redacted]&x=1');
    expect(redactUrl('/v1/orgs/o1/members?role=admin')).toBe('/v1/orgs/o1/members?role=admin');
  });

  it('a message naming the path anywhere in it loses the same secrets', () => {
    expect(redactPathsIn('Route GET:/v1/invitations/abc.def/nothing not found')).toBe(
      'Route GET:/v1/invitations/[redacted]/nothing not found',
    );
    expect(redactPathsIn("'/invitations/abc.def%zz' is not a valid url component")).toBe(
      "'/invitations/[redacted]' is not a valid url component",
    );
    expect(redactPathsIn('Cannot GET /v1/orgs/o1/members?q=zelda')).toBe(
      'Cannot GET /v1/orgs/o1/members?q=[redacted]',
    );
    expect(redactPathsIn('Cannot GET /v1/orgs/o1/invitations/i1')).toBe(
      'Cannot GET /v1/orgs/o1/invitations/i1',
    );
  });

  it('the text a list was searched for (a name, an address) is not logged: an erasure could not reach it there', () => {
    expect(redactUrl('/v1/orgs/o1/members?q=Zelda%20Zora&limit=5')).toBe(
      '/v1/orgs/o1/members?q=[redacted]&limit=5',
    );
    expect(redactUrl('/v1/orgs/o1/members?role=user&q=zelda@example.com')).toBe(
      '/v1/orgs/o1/members?role=user&q=[redacted]',
    );
    // A `#` is kept in the value by the query parser, and starts the query for the router.
    expect(redactUrl('/v1/orgs/o1/members?q=zelda#zora&limit=5')).toBe(
      '/v1/orgs/o1/members?q=[redacted]&limit=5',
    );
    expect(redactUrl('/v1/orgs/o1/members#q=zelda')).toBe('/v1/orgs/o1/members#q=[redacted]');
  });

  it('passwords, tokens and the authorization header are censored wherever they appear', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'test',
      new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    logger.info(
      {
        req: { headers: { authorization: 'Bearer abc.def.ghi' } },
        body: { password: 'hunter2hunter2', refreshToken: 'r-token', name: 'Ada' },
      },
      'request',
    );
    const line = lines.join('');
    expect(line).not.toContain('abc.def.ghi');
    expect(line).not.toContain('hunter2hunter2');
    expect(line).not.toContain('r-token');
    expect(line).toContain('"name":"Ada"');
  });
});
