import { waitFor } from '@app/testing';
import {
  bearer,
  PASSWORD,
  startPlatform,
  startPlatformWithOperator,
  type Platform,
  type SignedIn,
} from './platform.testing';

/** Operators lock and unlock accounts; the person is told, and a locked account cannot sign in. */
describe('operators locking accounts', () => {
  let platform: Platform;
  let opal: SignedIn;
  let operators: string[];
  beforeAll(async () => {
    ({ platform, operator: opal, operators } = await startPlatformWithOperator());
  }, 120_000);
  afterAll(() => platform?.close());

  const lockedMails = (to: string) =>
    platform.mails.filter((m) => m.to.includes(to) && m.raw.includes('Your account was locked'));
  const lock = (who: SignedIn, userId: string, body: object = { reason: 'reported as compromised' }) =>
    platform.http.post(`/v1/operator/users/${userId}/lock`).set(bearer(who)).send(body);

  it('a locked account cannot sign in, its owner is told once, and unlocking lets them in again', async () => {
    const ada = await platform.signUp('Ada');
    await lock(opal, ada.userId).expect(204);
    await waitFor(() => lockedMails(ada.email).length === 1, { what: 'the account-locked notice' });
    expect(lockedMails(ada.email)[0]!.raw).not.toContain('reported as compromised');
    const login = await platform.http
      .post('/v1/auth/login')
      .send({ email: ada.email, password: PASSWORD })
      .expect(403);
    expect(login.body.code).toBe('invalid-credentials');

    // Locking a locked account changes nothing and tells nobody again.
    await lock(opal, ada.userId).expect(204);
    await platform.http.post(`/v1/operator/users/${opal.userId}/unlock`).set(bearer(opal)).expect(204);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lockedMails(ada.email)).toHaveLength(1);

    await platform.http.post(`/v1/operator/users/${ada.userId}/unlock`).set(bearer(opal)).expect(204);
    await platform.signIn(ada.email);
  });

  it('R2: ownership cannot go to a locked account (422 new-owner-locked, nothing changes); unlocked, it can', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada);
    const bob = await platform.join(ada, orgId, 'Bob');
    await lock(opal, bob.userId).expect(204);
    const refused = await platform.http
      .post(`/v1/orgs/${orgId}/ownership-transfer`)
      .set(bearer(ada))
      .send({ newOwnerId: bob.userId });
    expect([refused.status, refused.body.code, refused.body.field]).toEqual([
      422,
      'new-owner-locked',
      'newOwnerId',
    ]);
    const org = await platform.http.get(`/v1/orgs/${orgId}`).set(bearer(ada)).expect(200);
    expect(org.body).toMatchObject({ ownerId: ada.userId, myRole: 'owner' });

    await platform.http.post(`/v1/operator/users/${bob.userId}/unlock`).set(bearer(opal)).expect(204);
    const moved = await platform.http
      .post(`/v1/orgs/${orgId}/ownership-transfer`)
      .set(bearer(ada))
      .send({ newOwnerId: bob.userId })
      .expect(200);
    expect(moved.body).toMatchObject({ ownerId: bob.userId, myRole: 'admin' });
  });

  it('a lock repeated under its Idempotency-Key is the first answer; the key used for an unlock or another reason is a 409', async () => {
    const dora = await platform.signUp('Dora');
    const key = `lock-${dora.userId}`;
    const keyed = (path: 'lock' | 'unlock', body: object = {}) =>
      platform.http
        .post(`/v1/operator/users/${dora.userId}/${path}`)
        .set(bearer(opal))
        .set('Idempotency-Key', key)
        .send(body);
    await keyed('lock', { reason: 'reported as compromised' }).expect(204);
    await keyed('lock', { reason: 'reported as compromised' }).expect(204);
    const otherReason = await keyed('lock', { reason: 'another reason' });
    expect([otherReason.status, otherReason.body.code]).toEqual([409, 'command-id-reused']);
    // Before, the unlock was answered 204 as if it were the lock again, and Dora stayed locked.
    const unlock = await keyed('unlock');
    expect([unlock.status, unlock.body.code]).toEqual([409, 'command-id-reused']);
    await platform.http.post('/v1/auth/login').send({ email: dora.email, password: PASSWORD }).expect(403);
    await platform.http.post(`/v1/operator/users/${dora.userId}/unlock`).set(bearer(opal)).expect(204);
    await platform.signIn(dora.email);
  });

  it('an operator cannot lock their own account (they could not sign in to unlock it)', async () => {
    const own = await lock(opal, opal.userId);
    expect([own.status, own.body.code]).toEqual([409, 'cannot-lock-self']);
    await platform.http.get('/v1/me').set(bearer(opal)).expect(200);
    await platform.signIn(opal.email);
  });

  it('operators do not lock one another, even at once: nobody would be left to unlock them', async () => {
    const olaf = await platform.enrollTwoFactor(await platform.signUp('Olaf'));
    operators.push(olaf.userId);
    const [one, other] = await Promise.all([lock(opal, olaf.userId), lock(olaf, opal.userId)]);
    for (const refused of [one, other])
      expect([refused.status, refused.body.code]).toEqual([409, 'target-is-operator']);
    await platform.signIn(opal.email);
    await platform.signIn(olaf.email);
    operators.splice(operators.indexOf(olaf.userId), 1);
  });

  it("a locked or deleted account's access token, still unexpired, is refused at once, and after an unlock too (the lock ended its session)", async () => {
    const cara = await platform.signUp('Cara');
    await platform.http.get('/v1/me').set(bearer(cara)).expect(200);
    await lock(opal, cara.userId).expect(204);
    await waitFor(async () => (await platform.http.get('/v1/me').set(bearer(cara))).status === 401, {
      what: "the locked account's token refused",
    });
    const refused = await platform.http
      .post('/v1/orgs')
      .set(bearer(cara))
      .send({ name: 'Ghost' })
      .expect(401);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    await platform.http.post(`/v1/operator/users/${cara.userId}/unlock`).set(bearer(opal)).expect(204);
    // Signing in again works once the unlock is read; the token from before the lock stays refused meanwhile and after.
    const again = await waitFor(async () => {
      const session = await platform.http
        .post('/v1/auth/login')
        .send({ email: cara.email, password: PASSWORD });
      return session.status === 200 && (session.body as { accessToken: string });
    });
    await waitFor(
      async () =>
        (await platform.http.get('/v1/me').set('authorization', `Bearer ${again.accessToken}`)).status ===
        200,
      { what: "the unlocked account's new token accepted" },
    );
    await platform.http.get('/v1/me').set(bearer(cara)).expect(401);

    // R1: a deleted account owns nothing, so its other session cannot create an organization after the deletion.
    const dee = await platform.signUp('Dee');
    const otherSession = await platform.signIn(dee.email);
    await platform.http
      .delete('/v1/me')
      .set(bearer(dee))
      .send({ password: PASSWORD, confirmOwnedOrganizations: true })
      .expect(200);
    await waitFor(
      async () => (await platform.http.get('/v1/me/organizations').set(bearer(otherSession))).status === 401,
      { what: "the deleted account's token refused" },
    );
    await platform.http.post('/v1/orgs').set(bearer(otherSession)).send({ name: 'GhostCo' }).expect(401);
  });

  it('is refused to anyone not an operator, without a reason, and for nobody', async () => {
    const bob = await platform.signUp('Bob');
    const mallory = await platform.signUp('Mallory');
    const refused = await lock(mallory, bob.userId).expect(403);
    expect(refused.body.code).toBe('operator-only');
    await platform.http.post(`/v1/operator/users/${bob.userId}/unlock`).set(bearer(mallory)).expect(403);
    await platform.http.post(`/v1/operator/users/${bob.userId}/lock`).send({ reason: 'x' }).expect(401);
    // an operator whose session was opened with a password alone
    const otto = await platform.signUp('Otto');
    operators.push(otto.userId);
    const withoutSecondFactor = await lock(otto, bob.userId).expect(403);
    expect(withoutSecondFactor.body.code).toBe('two-factor-required');
    await platform.http.post(`/v1/operator/users/${bob.userId}/unlock`).set(bearer(otto)).expect(403);

    const noReason = await lock(opal, bob.userId, {}).expect(400);
    expect(JSON.stringify(noReason.body)).toContain('reason');
    const unknown = await lock(opal, '00000000-0000-4000-8000-000000000000').expect(404);
    expect(unknown.body.code).toBe('user-not-found');
    // none of it locked Bob
    await platform.signIn(bob.email);
  });
});

/** A refresh token lives 30 days; one taken from an operator must not lock or erase for all that time. */
describe('an operator’s action, from a session signed in to long ago', () => {
  // Access tokens state the sign-in time in whole seconds: a fresh one may read as a second old already.
  const maxAgeMs = 5_000;
  const operators: string[] = [];
  let platform: Platform;
  let otto: SignedIn;
  beforeAll(async () => {
    platform = await startPlatform({
      gateway: { operators, operatorsRequireTwoFactor: false, operatorSignInMaxAgeMs: maxAgeMs },
    });
    otto = await platform.signUp('Otto');
    operators.push(otto.userId);
  }, 120_000);
  afterAll(() => platform?.close());

  const lock = (token: string, userId: string) =>
    platform.http
      .post(`/v1/operator/users/${userId}/lock`)
      .set('Authorization', `Bearer ${token}`)
      .send({ reason: 'reported as compromised' });

  it('is refused however freshly the session was refreshed, reads are answered, and a new sign-in acts again', async () => {
    const bob = await platform.signUp('Bob');
    const session = await platform.signIn(otto.email);
    await lock(session.token, bob.userId).expect(204);
    await platform.http.post(`/v1/operator/users/${bob.userId}/unlock`).set(bearer(session)).expect(204);

    await new Promise((resolve) => setTimeout(resolve, maxAgeMs + 500));
    const refreshed = await platform.http
      .post('/v1/auth/refresh')
      .send({ refreshToken: session.refreshToken })
      .expect(200);
    const refused = await lock(refreshed.body.accessToken as string, bob.userId);
    expect([refused.status, refused.body.code]).toEqual([403, 'sign-in-too-old']);
    const progress = await platform.http
      .get('/v1/operator/read-models/rebuild')
      .set('Authorization', `Bearer ${refreshed.body.accessToken as string}`);
    expect([progress.status, progress.body.code]).toEqual([404, 'rebuild-not-found']);
    // The refusal locked nobody.
    await platform.signIn(bob.email);

    const signedInAgain = await platform.signIn(otto.email);
    await lock(signedInAgain.token, bob.userId).expect(204);
  });
});
