import { codeOf } from '../shared/refusals.testing';
import { createInMemoryLogin } from '../login/in-memory-login';
import { type SessionTokens } from '../login/login.service';
import { totpCode } from '../two-factor/totp';
import { SessionRefresh } from './session-refresh';

const fast = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const PASSWORD = 'correct horse battery';

async function setup() {
  const clock = { now: Date.UTC(2026, 0, 1, 12) };
  const login = createInMemoryLogin({ argon2: fast, now: () => clock.now });
  const ada = { userId: 'u1', locked: false, twoFactorEnabled: false };
  login.users.set('ada@example.com', ada);
  await login.credentials.setHash('u1', await login.hasher.hash(PASSWORD), new Date(0));
  const sessions = new SessionRefresh(login.refreshTokens, login.accessTokens, login.users);
  const signIn = async () =>
    (await login.service.login({ email: 'ada@example.com', password: PASSWORD })) as SessionTokens;
  const amrOf = async (tokens: SessionTokens) => (await login.accessTokens.verify(tokens.accessToken)).amr;
  return { login, clock, ada, sessions, signIn, amrOf };
}

describe('refreshing a session', () => {
  it('R22: a session opened with the password alone stays so, even refreshed after two-factor was turned on', async () => {
    const { login, ada, sessions, signIn, amrOf } = await setup();
    const passwordOnly = await signIn();
    // Two-factor is on, and this session has not been ended yet (the moment between the event and the revocation).
    login.users.set('ada@example.com', { ...ada, twoFactorEnabled: true });
    const refreshed = await sessions.refresh(passwordOnly.refreshToken);
    expect(refreshed.sessionId).toBe(passwordOnly.sessionId);
    expect(await amrOf(refreshed)).toEqual(['pwd']);
  });

  it('R22: a session opened with the second factor keeps it across refreshes', async () => {
    const { login, clock, ada, sessions, amrOf } = await setup();
    login.users.set('ada@example.com', { ...ada, twoFactorEnabled: true });
    const { secret } = await login.twoFactor.enroll('u1', 'ada@example.com');
    await login.twoFactor.confirm('u1', totpCode(secret, clock.now / 1000));
    clock.now += 120_000;
    const step = await login.service.login({ email: 'ada@example.com', password: PASSWORD });
    if (step.status !== 'two-factor-required') throw new Error('expected a challenge');
    const session = await login.service.completeTwoFactor({
      challenge: step.challenge,
      code: totpCode(secret, clock.now / 1000),
    });
    const once = await sessions.refresh(session.refreshToken);
    const twice = await sessions.refresh(once.refreshToken);
    expect([await amrOf(once), await amrOf(twice)]).toEqual([
      ['pwd', 'otp'],
      ['pwd', 'otp'],
    ]);
  });

  it('keeps the time the session was signed in to (auth_time), however late and often it is refreshed', async () => {
    const { login, clock, sessions, signIn } = await setup();
    const claimsOf = (tokens: SessionTokens) => login.accessTokens.verify(tokens.accessToken);
    const signedInAt = clock.now / 1000;
    const session = await signIn();
    expect((await claimsOf(session)).auth_time).toBe(signedInAt);

    clock.now += 2 * 3600_000;
    const refreshed = await sessions.refresh(session.refreshToken, 'refresh-1');
    // A repeat of the same request (a retry after a lost answer) is answered the same.
    const repeated = await sessions.refresh(session.refreshToken, 'refresh-1');
    const later = await sessions.refresh(refreshed.refreshToken);
    for (const tokens of [refreshed, repeated, later])
      expect(await claimsOf(tokens)).toMatchObject({ auth_time: signedInAt, iat: clock.now / 1000 });

    const again = await signIn();
    expect((await claimsOf(again)).auth_time).toBe(clock.now / 1000);
  });

  it('a locked or deleted account cannot stretch its session, and a locked one loses all of them', async () => {
    const { login, ada, sessions, signIn } = await setup();
    const first = await signIn();
    const second = await signIn();
    login.users.set('ada@example.com', { ...ada, locked: true });
    expect(await codeOf(sessions.refresh(first.refreshToken))).toBe('refresh-token-revoked');
    login.users.set('ada@example.com', ada);
    expect(await codeOf(sessions.refresh(second.refreshToken))).toBe('refresh-token-revoked');

    const third = await signIn();
    login.users.delete('ada@example.com');
    expect(await codeOf(sessions.refresh(third.refreshToken))).toBe('refresh-token-revoked');
  });

  it('a session ended while its refresh was issuing an access token gets none', async () => {
    const { login, sessions, signIn } = await setup();
    const session = await signIn();
    const issue = login.accessTokens.issue.bind(login.accessTokens);
    // Every session ends (a password change elsewhere) between the rotation and the access token's issue.
    jest.spyOn(login.accessTokens, 'issue').mockImplementationOnce(async (...args) => {
      await login.refreshTokens.revokeAllForUser('u1');
      return issue(...args);
    });
    expect(await codeOf(sessions.refresh(session.refreshToken))).toBe('refresh-token-revoked');
  });

  it('an unknown token is refused by its reason, a good one rotates', async () => {
    const { sessions, signIn } = await setup();
    expect(await codeOf(sessions.refresh('not a token we gave'))).toBe('refresh-token-unknown');
    const session = await signIn();
    expect(await codeOf(sessions.refresh(session.refreshToken))).toBe('accepted');
  });
});
