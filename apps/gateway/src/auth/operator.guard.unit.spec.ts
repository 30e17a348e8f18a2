import { type ExecutionContext } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { readGatewayConfig } from '../config/gateway.config';
import { type Caller } from './caller';
import { OperatorGuard } from './operator.guard';

const guard = new OperatorGuard(readGatewayConfig({ IDENTITY_OPERATORS: 'opal' }));
const minutesAgo = (minutes: number) => Date.now() - minutes * 60_000;
const opal = (signedInAt?: number): Caller => ({
  userId: 'opal',
  twoFactor: true,
  ...(signedInAt === undefined ? {} : { signedInAt }),
});

/** What the guard answers a request: `allowed`, or the code it was refused with. */
function answer(method: string, user: Caller | undefined): string {
  const request = { method, user };
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  try {
    return guard.canActivate(context) ? 'allowed' : 'refused';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

describe('the operator routes', () => {
  it('are for operators only, in a session opened with a second factor', () => {
    expect(answer('GET', undefined)).toBe('operator-only');
    expect(answer('POST', { userId: 'mallory', twoFactor: true, signedInAt: Date.now() })).toBe('operator-only');
    expect(answer('POST', { ...opal(Date.now()), twoFactor: false })).toBe('two-factor-required');
    expect(answer('GET', { ...opal(Date.now()), twoFactor: false })).toBe('two-factor-required');
  });

  it('take an action only from a session signed in to within the hour, refreshed or not', () => {
    expect(answer('POST', opal(minutesAgo(1)))).toBe('allowed');
    expect(answer('DELETE', opal(minutesAgo(59)))).toBe('allowed');
    expect(answer('POST', opal(minutesAgo(61)))).toBe('sign-in-too-old');
    expect(answer('DELETE', opal(minutesAgo(61)))).toBe('sign-in-too-old');
    // A token from before sessions carried their sign-in time says nothing of it.
    expect(answer('POST', opal())).toBe('sign-in-too-old');
  });

  it('answer reads to an operator whose sign-in is old (a rebuild is watched longer than the hour)', () => {
    expect(answer('GET', opal(minutesAgo(24 * 60)))).toBe('allowed');
    expect(answer('GET', opal())).toBe('allowed');
  });

  it('take the age from OPERATOR_SIGN_IN_MAX_AGE_MS', () => {
    const config = readGatewayConfig({ IDENTITY_OPERATORS: 'opal', OPERATOR_SIGN_IN_MAX_AGE_MS: '600000' });
    expect(config.operatorSignInMaxAgeMs).toBe(600_000);
    expect(readGatewayConfig({}).operatorSignInMaxAgeMs).toBe(3_600_000);
    expect(() => readGatewayConfig({ OPERATOR_SIGN_IN_MAX_AGE_MS: 'soon' })).toThrow(
      /OPERATOR_SIGN_IN_MAX_AGE_MS/,
    );
  });
});
