import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { makeTempDir } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { startIdentity, type IdentityHarness } from './identity-harness.testing';

const PASSWORD = 'correct horse battery staple';

/** Issue 8, item 18: on the embedded default a restart signs nobody out, forgets no throttling and no link. */
describe('identity on the embedded default, restarted', () => {
  const eventStore = useTestEventStore();
  let dataDir: string;
  let identity: IdentityHarness;

  beforeAll(async () => {
    dataDir = await makeTempDir('identity-restart');
  });
  afterAll(async () => {
    await identity?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = () => startIdentity(eventStore.store.connectionString, {}, dataDir);
  const restart = async () => {
    await identity.close();
    identity = await start();
  };
  const login = (email: string, password = PASSWORD) =>
    identity.send({ type: 'Login', email, password, ip: '10.1.2.3' });

  it('keeps sessions, refresh-token reuse detection, throttling and one-time links across a restart', async () => {
    identity = await start();
    const [ada, bob, cid] = ['ada', 'bob', 'cid'].map(
      (n) => `${n}-${randomUUID().slice(0, 8)}@example.com`,
    ) as [string, string, string];
    for (const email of [ada, bob, cid]) await identity.registerVerified(email, PASSWORD);

    const session = (await login(ada)) as { ok: true; result: { refreshToken: string } };
    expect(session).toMatchObject({ ok: true, result: { status: 'authenticated' } });
    const rotated = await identity.result<{ refreshToken: string }>({
      type: 'Refresh',
      refreshToken: session.result.refreshToken,
    });
    for (let i = 0; i < 5; i++)
      expect(await login(bob, 'wrong password, attempt ' + i)).toMatchObject({ ok: false });
    expect(await identity.send({ type: 'ForgotPassword', email: cid })).toMatchObject({ ok: true });
    const resetToken = await identity.linkToken('reset-password', cid);

    await restart();

    // Still signed in: the latest refresh token rotates; the one rotated before the restart is reuse, ending the family.
    const after = await identity.result<{ refreshToken: string }>({
      type: 'Refresh',
      refreshToken: rotated.refreshToken,
    });
    expect(after.refreshToken).not.toBe(rotated.refreshToken);
    expect(await identity.send({ type: 'Refresh', refreshToken: session.result.refreshToken })).toMatchObject(
      {
        ok: false,
        error: { code: 'refresh-token-reused' },
      },
    );
    expect(await identity.send({ type: 'Refresh', refreshToken: after.refreshToken })).toMatchObject({
      ok: false,
    });
    // Still locked out: five failures before the restart count after it, the right password is refused alike.
    expect(await login(bob)).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
    // The link mailed before the restart works, once.
    expect(
      await identity.send({ type: 'ResetPassword', token: resetToken, password: `${PASSWORD} new` }),
    ).toMatchObject({ ok: true });
    expect(
      await identity.send({ type: 'ResetPassword', token: resetToken, password: `${PASSWORD} newer` }),
    ).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    expect(await login(cid, `${PASSWORD} new`)).toMatchObject({ ok: true });
  });
});
