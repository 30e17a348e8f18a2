import { codeOf } from '../shared/refusals.testing';
import { PasswordHasher } from '../credentials/password-hasher';
import { totpCode } from '../two-factor/totp';
import { createInMemoryLogin } from './in-memory-login';
import { type SessionTokens } from './login.service';

const fast = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const at = new Date(0);

async function setup() {
  const login = createInMemoryLogin({ argon2: fast });
  login.users.set('ada@example.com', { userId: 'u1', locked: false, twoFactorEnabled: false });
  await login.credentials.setHash('u1', await login.hasher.hash('correct horse battery'), at);
  return login;
}

/** Ada with TOTP confirmed two minutes ago, a clock to move, and her password's step giving a challenge. */
async function withTwoFactor() {
  const clock = { now: Date.UTC(2026, 0, 1, 12) };
  const login = createInMemoryLogin({ argon2: fast, now: () => clock.now });
  const ada = { userId: 'u1', locked: false, twoFactorEnabled: true };
  login.users.set('ada@example.com', ada);
  await login.credentials.setHash('u1', await login.hasher.hash('correct horse battery'), at);
  const { secret } = await login.twoFactor.enroll('u1', 'ada@example.com');
  const { recoveryCodes } = await login.twoFactor.confirm('u1', totpCode(secret, clock.now / 1000));
  clock.now += 120_000;
  const challenge = async () => {
    const step = await login.service.login({ email: 'ada@example.com', password: 'correct horse battery' });
    if (step.status !== 'two-factor-required') throw new Error('expected a challenge');
    return step.challenge;
  };
  return { login, clock, ada, secret, recoveryCodes, challenge };
}

describe('login', () => {
  it('a correct password gives an access token for the user and a refresh token of a new session', async () => {
    const { service, accessTokens, refreshTokens } = await setup();
    const result = (await service.login({
      email: ' ADA@example.com',
      password: 'correct horse battery',
    })) as SessionTokens;
    expect(result.status).toBe('authenticated');
    expect(await accessTokens.verify(result.accessToken)).toMatchObject({
      sub: 'u1',
      sid: result.sessionId,
      amr: ['pwd'],
    });
    expect((await refreshTokens.rotate(result.refreshToken)).familyId).toBe(result.sessionId);
  });

  it('wrong password, unknown account and locked account give the same invalid-credentials error', async () => {
    const login = await setup();
    login.users.set('locked@example.com', { userId: 'u2', locked: true, twoFactorEnabled: false });
    await login.credentials.setHash('u2', await login.hasher.hash('correct horse battery'), at);
    const errors = await Promise.all([
      codeOf(login.service.login({ email: 'ada@example.com', password: 'wrong password!' })),
      codeOf(login.service.login({ email: 'nobody@example.com', password: 'correct horse battery' })),
      codeOf(login.service.login({ email: 'locked@example.com', password: 'correct horse battery' })),
    ]);
    expect(errors).toEqual(['invalid-credentials', 'invalid-credentials', 'invalid-credentials']);
  });

  it('after 5 failures even the right password is refused with the same error', async () => {
    const { service } = await setup();
    for (let i = 0; i < 5; i++)
      expect(await codeOf(service.login({ email: 'ada@example.com', password: `nope ${i} nope` }))).toBe(
        'invalid-credentials',
      );
    expect(await codeOf(service.login({ email: 'ada@example.com', password: 'correct horse battery' }))).toBe(
      'invalid-credentials',
    );
  });

  it('rehashes on login when the hash parameters changed', async () => {
    const login = createInMemoryLogin({ argon2: { ...fast, memoryCost: 2048 } });
    login.users.set('ada@example.com', { userId: 'u1', locked: false, twoFactorEnabled: false });
    const oldHash = await new PasswordHasher(fast).hash('correct horse battery');
    await login.credentials.setHash('u1', oldHash, at);
    await login.service.login({ email: 'ada@example.com', password: 'correct horse battery' });
    const newHash = await login.credentials.getHash('u1');
    expect(newHash).not.toBe(oldHash);
    expect(newHash).toContain('m=2048');
    expect(login.hasher.needsRehash(newHash!)).toBe(false);
  });

  /** The tokens `source` issues from now on, as they are issued. */
  function tokensIssuedBy<A extends unknown[]>(source: {
    issue: (...args: A) => Promise<{ token: string }>;
  }): string[] {
    const issued: string[] = [];
    const issue = source.issue.bind(source);
    source.issue = async (...args: A) => {
      const made = await issue(...args);
      issued.push(made.token);
      return made;
    };
    return issued;
  }

  /** The hash is replaced right after login read it: a password change racing the sign-in's check. */
  function replacedAfterRead(login: Awaited<ReturnType<typeof setup>>, password: string) {
    const read = login.credentials.getHash.bind(login.credentials);
    let reads = 0;
    login.credentials.getHash = async (userId) => {
      const hash = await read(userId);
      if (++reads === 1) await login.credentials.setHash(userId, await login.hasher.hash(password), at);
      return hash;
    };
  }

  it('R17: a sign-in with the old password that a change overtook opens no session', async () => {
    const login = await setup();
    replacedAfterRead(login, 'a brand new passphrase');
    const issued = tokensIssuedBy(login.refreshTokens);
    expect(
      await codeOf(login.service.login({ email: 'ada@example.com', password: 'correct horse battery' })),
    ).toBe('invalid-credentials');
    expect(issued).toHaveLength(1);
    await expect(login.refreshTokens.rotate(issued[0]!)).rejects.toMatchObject({ reason: 'revoked' });
  });

  /** `change` happens as the session is opened: after the sign-in's checks, before it answers. */
  function whenSessionOpens(login: Awaited<ReturnType<typeof setup>>, change: () => Promise<void> | void) {
    const issue = login.refreshTokens.issue.bind(login.refreshTokens);
    const issued: string[] = [];
    login.refreshTokens.issue = async (...args: Parameters<typeof issue>) => {
      const made = await issue(...args);
      issued.push(made.token);
      await change();
      return made;
    };
    return issued;
  }

  it('a lock that overtook the sign-in’s checks opens no session: the one just opened is ended', async () => {
    const login = await setup();
    const issued = whenSessionOpens(login, () =>
      login.users.set('ada@example.com', { userId: 'u1', locked: true, twoFactorEnabled: false }),
    );
    expect(
      await codeOf(login.service.login({ email: 'ada@example.com', password: 'correct horse battery' })),
    ).toBe('invalid-credentials');
    expect(issued).toHaveLength(1);
    await expect(login.refreshTokens.rotate(issued[0]!)).rejects.toMatchObject({ reason: 'revoked' });
  });

  it('R22: a second factor turned on while a password-only sign-in ran leaves no password-only session', async () => {
    const login = await setup();
    const { secret } = await login.twoFactor.enroll('u1', 'ada@example.com');
    const issued = whenSessionOpens(login, async () => {
      await login.twoFactor.confirm('u1', totpCode(secret, Date.now() / 1000));
    });
    expect(
      await codeOf(login.service.login({ email: 'ada@example.com', password: 'correct horse battery' })),
    ).toBe('invalid-credentials');
    await expect(login.refreshTokens.rotate(issued[0]!)).rejects.toMatchObject({ reason: 'revoked' });
    // Signing in again asks for the second factor.
    expect(
      (await login.service.login({ email: 'ada@example.com', password: 'correct horse battery' })).status,
    ).toBe('two-factor-required');
  });

  it('a re-check that cannot be made leaves no session open behind the failure', async () => {
    const login = await setup();
    const issued = whenSessionOpens(login, () => {
      login.users.current = () => Promise.reject(new Error('event store unavailable'));
    });
    await expect(
      login.service.login({ email: 'ada@example.com', password: 'correct horse battery' }),
    ).rejects.toThrow('event store unavailable');
    await expect(login.refreshTokens.rotate(issued[0]!)).rejects.toMatchObject({ reason: 'revoked' });
  });

  it('R22: a lock that overtook the second step opens no session either', async () => {
    const { login, secret, clock, challenge } = await withTwoFactor();
    const pending = await challenge();
    const issued = whenSessionOpens(login as Awaited<ReturnType<typeof setup>>, () =>
      login.users.set('ada@example.com', { userId: 'u1', locked: true, twoFactorEnabled: true }),
    );
    expect(
      await codeOf(
        login.service.completeTwoFactor({ challenge: pending, code: totpCode(secret, clock.now / 1000) }),
      ),
    ).toBe('invalid-credentials');
    await expect(login.refreshTokens.rotate(issued[0]!)).rejects.toMatchObject({ reason: 'revoked' });
  });

  it('R17: the same password hashed again meanwhile is no change: the sign-in succeeds', async () => {
    const login = await setup();
    replacedAfterRead(login, 'correct horse battery');
    const result = await login.service.login({ email: 'ada@example.com', password: 'correct horse battery' });
    expect(result.status).toBe('authenticated');
  });

  it('R17, R22: a change that overtook the password step leaves no challenge to complete', async () => {
    const { login, secret, clock } = await withTwoFactor();
    replacedAfterRead(login as Awaited<ReturnType<typeof setup>>, 'a brand new passphrase');
    const issued = tokensIssuedBy(login.challenges);
    expect(
      await codeOf(login.service.login({ email: 'ada@example.com', password: 'correct horse battery' })),
    ).toBe('invalid-credentials');
    expect(issued).toHaveLength(1);
    expect(
      await codeOf(
        login.service.completeTwoFactor({ challenge: issued[0]!, code: totpCode(secret, clock.now / 1000) }),
      ),
    ).toBe('invalid-credentials');
  });

  it('R17, R22: a challenge whose password was replaced before its code came opens no session', async () => {
    const { login, challenge, secret, clock } = await withTwoFactor();
    const pending = await challenge();
    const issued = tokensIssuedBy(login.refreshTokens);
    await login.credentials.setHash('u1', await login.hasher.hash('a brand new passphrase'), at);
    expect(
      await codeOf(
        login.service.completeTwoFactor({ challenge: pending, code: totpCode(secret, clock.now / 1000) }),
      ),
    ).toBe('invalid-credentials');
    expect(issued).toHaveLength(1);
    await expect(login.refreshTokens.rotate(issued[0]!)).rejects.toMatchObject({ reason: 'revoked' });
  });

  it('R22: with TOTP enrolled the password only yields a challenge; the code completes the login once', async () => {
    const { login, clock, secret, challenge } = await withTwoFactor();
    const now = clock.now / 1000;
    await expect(
      login.service.completeTwoFactor({ challenge: await challenge(), code: '000000' }),
    ).rejects.toMatchObject({ code: 'invalid-two-factor-code', details: { field: 'code' } });
    const again = await challenge();
    const done = await login.service.completeTwoFactor({ challenge: again, code: totpCode(secret, now) });
    expect((await login.accessTokens.verify(done.accessToken)).amr).toEqual(['pwd', 'otp']);
    expect(
      await codeOf(login.service.completeTwoFactor({ challenge: again, code: totpCode(secret, now) })),
    ).toBe('invalid-credentials');
  });

  it('an account locked or deleted between the password and the code gets no session, and its code stays unspent', async () => {
    const { login, ada, recoveryCodes, challenge } = await withTwoFactor();
    const [recovery] = recoveryCodes;

    const beforeLock = await challenge();
    login.users.set('ada@example.com', { ...ada, locked: true });
    expect(await codeOf(login.service.completeTwoFactor({ challenge: beforeLock, code: recovery! }))).toBe(
      'invalid-credentials',
    );

    login.users.set('ada@example.com', ada);
    const beforeDeletion = await challenge();
    login.users.delete('ada@example.com');
    expect(
      await codeOf(login.service.completeTwoFactor({ challenge: beforeDeletion, code: recovery! })),
    ).toBe('invalid-credentials');

    // Neither refusal spent the recovery code: unlocked and present again, it completes a login.
    login.users.set('ada@example.com', ada);
    const done = await login.service.completeTwoFactor({ challenge: await challenge(), code: recovery! });
    expect((await login.accessTokens.verify(done.accessToken)).amr).toEqual(['pwd', 'otp']);
  });

  it('R22: five wrong codes stop the second step for a while, even with a right code, whatever the passwords', async () => {
    const { login, clock, secret, challenge } = await withTwoFactor();
    const withCode = async (code: () => string) =>
      codeOf(login.service.completeTwoFactor({ challenge: await challenge(), code: code() }));
    for (let i = 0; i < 5; i++) expect(await withCode(() => '000000')).toBe('invalid-two-factor-code');
    expect(await withCode(() => totpCode(secret, clock.now / 1000))).toBe('invalid-two-factor-code');

    clock.now += 16 * 60_000; // the lock is over
    expect(await withCode(() => totpCode(secret, clock.now / 1000))).toBe('accepted');
  });
});
