import { performance } from 'node:perf_hooks';
import { PasswordHasher } from '../apps/identity/src/credentials/password-hasher';
import { createInMemoryLogin } from '../apps/identity/src/login/in-memory-login';
import { line, ms, pacedLatencies, perSecond, runIfMain, summarize } from './stats';

const PASSWORD = 'correct horse battery staple';

/**
 * Login cost against its floor, one argon2id verification (m=19456 KiB, t=2, p=1), all sequential on one core:
 * logins/s vs verifications/s (target >= 0.8x), login p99 at half the sequential login rate vs one hash (target
 * <= 3x), and access-token verifications/s.
 */
export async function run(): Promise<void> {
  const hasher = new PasswordHasher();
  const hash = await hasher.hash(PASSWORD);
  await hasher.verify(hash, PASSWORD);

  const hashSamples: number[] = [];
  const hashRuns = 40;
  const hashStart = performance.now();
  for (let i = 0; i < hashRuns; i++) {
    const t = performance.now();
    await hasher.verify(hash, PASSWORD);
    hashSamples.push(performance.now() - t);
  }
  const verifyRate = hashRuns / ((performance.now() - hashStart) / 1000);
  const oneHash = summarize(hashSamples);

  const login = createInMemoryLogin();
  const users = 20;
  for (let i = 0; i < users; i++) {
    login.users.set(`user${i}@example.com`, { userId: `u${i}`, locked: false, twoFactorEnabled: false });
    await login.credentials.setHash(`u${i}`, hash, new Date());
  }
  const loginOnce = (i: number) =>
    login.service.login({ email: `user${i % users}@example.com`, password: PASSWORD, ip: '10.0.0.1' });
  await loginOnce(0);

  const loginRuns = 40;
  const loginStart = performance.now();
  for (let i = 0; i < loginRuns; i++) await loginOnce(i);
  const loginRate = loginRuns / ((performance.now() - loginStart) / 1000);

  // Open loop at half the sequential rate.
  const pacedStats = await pacedLatencies(loginRate / 2, 60, loginOnce);

  const { token } = await login.accessTokens.issue('u1', { sid: 's', amr: ['pwd'] });
  const tokenRuns = 20_000;
  await login.accessTokens.verify(token); // keys imported once, as a long-running verifier does
  const tokenStart = performance.now();
  for (let i = 0; i < tokenRuns; i++) await login.accessTokens.verify(token);
  const tokenRate = tokenRuns / ((performance.now() - tokenStart) / 1000);

  console.log('identity: password login (argon2id m=19456 KiB, t=2, p=1, sequential)');
  line('argon2id verifications (sequential)', perSecond(verifyRate));
  line('one argon2id verification (p50 / p99)', `${ms(oneHash.p50)} / ${ms(oneHash.p99)}`);
  line('logins through LoginService (sequential)', perSecond(loginRate));
  const rateRatio = loginRate / verifyRate;
  line('  ratio logins / verifications', `${rateRatio.toFixed(2)}x`, '>= 0.8x', rateRatio >= 0.8);
  line(`login at ${perSecond(loginRate / 2)} (p50 / p99)`, `${ms(pacedStats.p50)} / ${ms(pacedStats.p99)}`);
  const latencyRatio = pacedStats.p99 / oneHash.p50;
  line('  ratio login p99 / one hash p50', `${latencyRatio.toFixed(2)}x`, '<= 3x', latencyRatio <= 3);
  line('access-token (EdDSA) verifications', perSecond(tokenRate));
}

runIfMain(module, run);
