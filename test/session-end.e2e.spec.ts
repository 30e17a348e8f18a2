import { waitFor } from '@app/testing';
import { bearer, PASSWORD, startPlatform, type Platform, type SignedIn } from './platform.testing';
import { totpCode } from '../apps/identity/src/two-factor/totp';

/**
 * A password change or reset, and turning two-factor on or off, end every session of the user (R17, R22): the refresh tokens
 * at once in identity, and the access tokens already handed out at the gateway, without waiting out their minutes.
 */
describe('ending sessions ends the access tokens already issued', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ gateway: { sessionCheckMs: 200 } });
  }, 120_000);
  afterAll(() => platform?.close());

  const me = (who: SignedIn) => platform.http.get('/v1/me').set(bearer(who));

  it("R17: a password change ends the user's other sessions at once; a session opened after it works", async () => {
    const ada = await platform.signUp('Ada');
    const otherDevice = await platform.signIn(ada.email);
    await me(otherDevice).expect(200);

    await platform.http
      .put('/v1/me/password')
      .set(bearer(ada))
      .send({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })
      .expect(204);

    const refused = await me(otherDevice);
    expect([refused.status, refused.body.code]).toEqual([401, 'unauthenticated']);
    await me(ada).expect(401);
    const fresh = await platform.signIn(ada.email, 'a brand new passphrase');
    expect((await me(fresh).expect(200)).body.userId).toBe(ada.userId);
  });

  it('my sessions: each listed, this one marked; ending another device’s signs that device out and leaves this one', async () => {
    const kim = await platform.signUp('Kim');
    const phone = await platform.signIn(kim.email);
    const listed = await platform.http.get('/v1/me/sessions').set(bearer(kim)).expect(200);
    const items = listed.body.items as {
      sessionId: string;
      signedInAt: string;
      lastUsedAt: string;
      expiresAt: string;
      secondFactor: boolean;
      current: boolean;
    }[];
    expect(items).toHaveLength(2);
    const mine = items.find((s) => s.current);
    const phoneSession = items.find((s) => !s.current);
    expect(mine).toMatchObject({ current: true, secondFactor: false });
    expect(phoneSession).toMatchObject({ current: false, secondFactor: false });
    expect(Date.parse(phoneSession!.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(mine!.lastUsedAt));
    expect(Date.parse(mine!.expiresAt)).toBeGreaterThan(Date.now());
    // Nobody else's sessions are shown, nor can be ended.
    const lou = await platform.signUp('Lou');
    const lous = (await platform.http.get('/v1/me/sessions').set(bearer(lou)).expect(200)).body.items;
    expect(lous.map((s: { sessionId: string }) => s.sessionId)).not.toContain(mine!.sessionId);
    const notYours = await platform.http
      .delete(`/v1/me/sessions/${phoneSession!.sessionId}`)
      .set(bearer(lou))
      .expect(404);
    expect(notYours.body).toMatchObject({ code: 'session-not-found' });
    await me(phone).expect(200);

    await platform.http.delete(`/v1/me/sessions/${phoneSession!.sessionId}`).set(bearer(kim)).expect(204);
    // At once on the gateway that ended it (others ask identity within SESSION_CHECK_MS).
    await me(phone).expect(401);
    const refresh = await platform.http.post('/v1/auth/refresh').send({ refreshToken: phone.refreshToken });
    expect([refresh.status, refresh.body.code]).toEqual([403, 'refresh-token-revoked']);
    await me(kim).expect(200);
    // Ended already: 204 again, nothing more; an unknown id, or one no session could have, 404; signed out 401.
    await platform.http.delete(`/v1/me/sessions/${phoneSession!.sessionId}`).set(bearer(kim)).expect(204);
    const after = (await platform.http.get('/v1/me/sessions').set(bearer(kim)).expect(200)).body.items;
    expect(after.map((s: { sessionId: string }) => s.sessionId)).toEqual([mine!.sessionId]);
    await platform.http
      .delete('/v1/me/sessions/00000000-0000-4000-8000-000000000000')
      .set(bearer(kim))
      .expect(404);
    const malformed = await platform.http
      .delete('/v1/me/sessions/not-a-session')
      .set(bearer(kim))
      .expect(404);
    expect(malformed.body).toMatchObject({ code: 'session-not-found' });
    await platform.http.get('/v1/me/sessions').expect(401);
    await platform.http.delete(`/v1/me/sessions/${mine!.sessionId}`).expect(401);
  });

  it('R17: a reset through the mailed link ends the sessions of whoever knew the old password', async () => {
    const bob = await platform.signUp('Bob');
    await me(bob).expect(200);
    await platform.http.post('/v1/auth/password/forgot').send({ email: bob.email }).expect(202);
    const token = await platform.linkFromMail(bob.email, '/reset-password');
    await platform.http
      .post('/v1/auth/password/reset')
      .send({ token, password: 'a reset passphrase' })
      .expect(204);

    await me(bob).expect(401);
    await me(await platform.signIn(bob.email, 'a reset passphrase')).expect(200);
  });

  it('R22: turning two-factor on ends the sessions opened with the password alone', async () => {
    const cleo = await platform.signUp('Cleo');
    const otherDevice = await platform.signIn(cleo.email);
    const withSecondFactor = await platform.enrollTwoFactor(cleo);

    await me(cleo).expect(401);
    await me(otherDevice).expect(401);
    await me(withSecondFactor).expect(200);
  });

  it('R22: turning two-factor off while it is off is 404 two-factor-not-enrolled, not a wrong code', async () => {
    const frank = await platform.signUp('Frank');
    const refused = await platform.http
      .delete('/v1/me/two-factor')
      .set(bearer(frank))
      .send({ code: '000000' })
      .expect(404);
    expect(refused.body).toMatchObject({ code: 'two-factor-not-enrolled' });
    await me(frank).expect(200);
    // Confirming an enrolment never started is the same 404, and both routes document it.
    const unconfirmed = await platform.http
      .post('/v1/me/two-factor/confirm')
      .set(bearer(frank))
      .send({ code: '000000' })
      .expect(404);
    expect(unconfirmed.body).toMatchObject({ code: 'two-factor-not-enrolled' });
    const paths = (await platform.http.get('/docs/openapi.json').expect(200)).body.paths;
    expect(Object.keys(paths['/v1/me/two-factor'].delete.responses)).toContain('404');
    expect(Object.keys(paths['/v1/me/two-factor/confirm'].post.responses)).toContain('404');
  });

  it('R22: wrong codes confirming an enrolment are 400 until five; then even the right one is 403 for a while, as documented', async () => {
    const gus = await platform.signUp('Gus');
    const started = await platform.http
      .post('/v1/me/two-factor')
      .set(bearer(gus))
      .send({ password: PASSWORD })
      .expect(200);
    const right = totpCode(started.body.secret as string, Math.floor(Date.now() / 1000));
    const wrong = right === '000000' ? '111111' : '000000';
    const confirm = (code: string) =>
      platform.http.post('/v1/me/two-factor/confirm').set(bearer(gus)).send({ code });
    for (let attempt = 0; attempt < 5; attempt++)
      expect((await confirm(wrong)).body).toMatchObject({ status: 400, code: 'invalid-two-factor-code' });
    const locked = await confirm(right).expect(403);
    expect(locked.body).toMatchObject({ code: 'invalid-two-factor-code' });
    expect(locked.body.recoveryCodes).toBeUndefined();
    await me(gus).expect(200); // not turned on: the session goes on
    const paths = (await platform.http.get('/docs/openapi.json').expect(200)).body.paths;
    expect(Object.keys(paths['/v1/me/two-factor/confirm'].post.responses)).toEqual(
      expect.arrayContaining(['400', '403']),
    );
  });

  it('R22: new recovery codes for a current code: the old ones stop working, the new ones pass sign-in, sessions go on', async () => {
    const hal = await platform.signUp('Hal');
    const withSecondFactor = await platform.enrollTwoFactor(hal);
    const key = `new-codes-${Date.now()}`;
    const replace = (code: string, who: SignedIn = withSecondFactor) =>
      platform.http
        .post('/v1/me/two-factor/recovery-codes')
        .set(bearer(who))
        .set('idempotency-key', key)
        .send({ code });
    // A recovery code is not the authenticator: refused, and not spent by it.
    const offered = await replace(withSecondFactor.recoveryCodes[0]!).expect(403);
    expect(offered.body).toMatchObject({ code: 'invalid-two-factor-code', field: 'code' });
    // Enrolling used the step of its moment and the next; the one before (or, past a step's end since, the one after)
    // is still accepted within the drift.
    const now = Math.floor(Date.now() / 1000);
    let used = totpCode(withSecondFactor.secret, now - 30);
    let replaced = await replace(used);
    if (replaced.status === 403)
      replaced = await replace((used = totpCode(withSecondFactor.secret, now + 30)));
    expect(replaced.status).toBe(200);
    const codes = replaced.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(codes.some((c) => withSecondFactor.recoveryCodes.includes(c))).toBe(false);
    // Repeated under its key: the codes were shown once, and no others are made. The same code under another key is
    // used up. Neither is a wrong code, nor replaces anything (the codes shown above pass a sign-in below).
    const repeated = await replace(used).expect(409);
    expect(repeated.body).toMatchObject({ code: 'recovery-codes-shown-once' });
    expect(repeated.body.recoveryCodes).toBeUndefined();
    const usedAgain = await platform.http
      .post('/v1/me/two-factor/recovery-codes')
      .set(bearer(withSecondFactor))
      .send({ code: used })
      .expect(403);
    expect(usedAgain.body).toMatchObject({ code: 'two-factor-code-used', field: 'code' });
    await me(withSecondFactor).expect(200);

    const signInWith = async (code: string) => {
      const login = await platform.http
        .post('/v1/auth/login')
        .send({ email: hal.email, password: PASSWORD })
        .expect(200);
      return platform.http.post('/v1/auth/login/two-factor').send({ challenge: login.body.challenge, code });
    };
    const old = await signInWith(withSecondFactor.recoveryCodes[1]!);
    expect([old.status, old.body.code]).toEqual([403, 'invalid-two-factor-code']);
    // the first old code, offered above, does not work either: all of them went
    expect((await signInWith(withSecondFactor.recoveryCodes[0]!)).status).toBe(403);
    const fresh = await signInWith(codes[0]!);
    expect(fresh.status).toBe(200);
    await me({ ...hal, token: fresh.body.accessToken }).expect(200);
  });

  it('R22: wrong codes asking for new recovery codes count as at sign-in: after five, even the right one is refused', async () => {
    const jo = await platform.signUp('Jo');
    const withSecondFactor = await platform.enrollTwoFactor(jo);
    const replace = (code: string) =>
      platform.http.post('/v1/me/two-factor/recovery-codes').set(bearer(withSecondFactor)).send({ code });
    const now = Math.floor(Date.now() / 1000);
    const rights = [-30, 0, 30].map((offset) => totpCode(withSecondFactor.secret, now + offset));
    const wrong = ['000000', '111111', '222222'].find((code) => !rights.includes(code))!;
    for (let attempt = 0; attempt < 5; attempt++)
      expect((await replace(wrong)).body).toMatchObject({ status: 403, code: 'invalid-two-factor-code' });
    for (const right of rights) {
      const locked = await replace(right).expect(403);
      expect(locked.body.title).toContain('too many wrong codes');
      expect(locked.body.recoveryCodes).toBeUndefined();
    }
    // The count is the sign-in's: its second step is refused too, with a recovery code that is still good.
    const login = await platform.http
      .post('/v1/auth/login')
      .send({ email: jo.email, password: PASSWORD })
      .expect(200);
    const second = await platform.http
      .post('/v1/auth/login/two-factor')
      .send({ challenge: login.body.challenge, code: withSecondFactor.recoveryCodes[0] });
    expect(second.status).toBe(403);
  });

  it('R22: new recovery codes without two-factor are 404, signed out 401; each is documented', async () => {
    const ivy = await platform.signUp('Ivy');
    const refused = await platform.http
      .post('/v1/me/two-factor/recovery-codes')
      .set(bearer(ivy))
      .send({ code: '123456' })
      .expect(404);
    expect(refused.body).toMatchObject({ code: 'two-factor-not-enrolled' });
    await platform.http.post('/v1/me/two-factor/recovery-codes').send({ code: '123456' }).expect(401);
    const unnamed = await platform.http
      .post('/v1/me/two-factor/recovery-codes')
      .set(bearer(ivy))
      .send({})
      .expect(400);
    expect(unnamed.body.errors[0]).toMatchObject({ field: 'code' });
    await me(ivy).expect(200);
    const paths = (await platform.http.get('/docs/openapi.json').expect(200)).body.paths;
    const operation = paths['/v1/me/two-factor/recovery-codes'].post;
    expect(Object.keys(operation.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '409']),
    );
    const keyHeader = operation.parameters.find((p: { name: string }) => p.name === 'Idempotency-Key');
    expect(keyHeader.description).toContain('recovery-codes-shown-once');
  });

  it('R22: turning two-factor off ends the sessions opened with it: none goes on vouching for a second factor', async () => {
    const eve = await platform.signUp('Eve');
    const withSecondFactor = await platform.enrollTwoFactor(eve);
    const otherDevice = await platform.http
      .post('/v1/auth/refresh')
      .send({ refreshToken: withSecondFactor.refreshToken })
      .expect(200);
    await me(withSecondFactor).expect(200);

    await platform.http
      .delete('/v1/me/two-factor')
      .set(bearer(withSecondFactor))
      .send({ code: withSecondFactor.recoveryCodes[0] })
      .expect(204);

    await me(withSecondFactor).expect(401);
    await platform.http
      .get('/v1/me')
      .set('authorization', `Bearer ${otherDevice.body.accessToken}`)
      .expect(401);
    const refresh = await platform.http
      .post('/v1/auth/refresh')
      .send({ refreshToken: otherDevice.body.refreshToken });
    expect([refresh.status, refresh.body.code]).toEqual([403, 'refresh-token-revoked']);
    const fresh = await platform.signIn(eve.email);
    const claims = JSON.parse(Buffer.from(fresh.token.split('.')[1]!, 'base64url').toString()) as {
      amr: string[];
    };
    expect(claims.amr).toEqual(['pwd']);
    await me(fresh).expect(200);
  });

  it('a refusal, not a no-op: changing the profile leaves the sessions alone', async () => {
    const dan = await platform.signUp('Dan');
    const otherDevice = await platform.signIn(dan.email);
    await platform.http.patch('/v1/me').set(bearer(dan)).send({ name: 'Daniel' }).expect(200);
    expect((await me(otherDevice).expect(200)).body.name).toBe('Daniel');
  });

  it('a logout ends that session’s access tokens at once; the user’s other session goes on', async () => {
    const fay = await platform.signUp('Fay');
    const otherDevice = await platform.signIn(fay.email);
    await me(fay).expect(200);

    await platform.http.post('/v1/auth/logout').send({ refreshToken: fay.refreshToken }).expect(204);

    const refused = await me(fay);
    expect([refused.status, refused.body.code]).toEqual([401, 'unauthenticated']);
    await me(otherDevice).expect(200);
    // Logging out again, or with a token nobody knows, changes nothing.
    await platform.http.post('/v1/auth/logout').send({ refreshToken: fay.refreshToken }).expect(204);
    await platform.http
      .post('/v1/auth/logout')
      .send({ refreshToken: 'x'.repeat(43) })
      .expect(204);
    await me(otherDevice).expect(200);
  });

  it("signing out everywhere ends every session of the user, and nobody else's; only the current token does it", async () => {
    const hal = await platform.signUp('Hal');
    const laptop = await platform.signIn(hal.email);
    const phone = await platform.signIn(hal.email);
    const neighbour = await platform.signUp('Nel');
    // A token already rotated (a leaked copy) ends its own session only: the devices stay signed in.
    const rotated = await platform.http
      .post('/v1/auth/refresh')
      .send({ refreshToken: laptop.refreshToken })
      .expect(200);
    await platform.http
      .post('/v1/auth/logout')
      .send({ refreshToken: laptop.refreshToken, everywhere: true })
      .expect(204);
    await waitFor(async () => (await me({ ...laptop, token: rotated.body.accessToken })).status === 401, {
      what: "the leaked token's session ended",
    });
    await me(phone).expect(200);
    await me(hal).expect(200);

    await platform.http
      .post('/v1/auth/logout')
      .send({ refreshToken: phone.refreshToken, everywhere: true })
      .expect(204);
    await me(phone).expect(401);
    await waitFor(async () => (await me(hal)).status === 401, { what: 'the first session ended too' });
    const refresh = await platform.http.post('/v1/auth/refresh').send({ refreshToken: hal.refreshToken });
    expect([refresh.status, refresh.body.code]).toEqual([403, 'refresh-token-revoked']);
    await me(neighbour).expect(200);
    // Signed in afresh, the user is in again.
    await me(await platform.signIn(hal.email)).expect(200);
    // Not a boolean: 400 naming the field, and nothing ends.
    const bad = await platform.http
      .post('/v1/auth/logout')
      .send({ refreshToken: neighbour.refreshToken, everywhere: 'yes' });
    expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, 'everywhere']);
    await me(neighbour).expect(200);
  });

  it('a stolen refresh token used again ends its session: the access tokens it gave stop working', async () => {
    const gus = await platform.signUp('Gus');
    const rotated = await platform.http
      .post('/v1/auth/refresh')
      .send({ refreshToken: gus.refreshToken })
      .expect(200);
    const latest = { ...gus, token: rotated.body.accessToken as string };
    await me(latest).expect(200);

    const reuse = await platform.http.post('/v1/auth/refresh').send({ refreshToken: gus.refreshToken });
    expect([reuse.status, reuse.body.code]).toEqual([403, 'refresh-token-reused']);

    // Identity ended the session; this gateway learns it within SESSION_CHECK_MS (set short here).
    await waitFor(async () => (await me(latest)).status === 401, { what: 'the ended session refused' });
    await me(gus).expect(401);
  });

  it('a refresh repeated with its Idempotency-Key (a retry after a lost answer) gets the same token; the session goes on', async () => {
    const ida = await platform.signUp('Ida');
    const refresh = (key?: string) => {
      const request = platform.http.post('/v1/auth/refresh');
      return (key ? request.set('idempotency-key', key) : request).send({ refreshToken: ida.refreshToken });
    };
    const first = await refresh('refresh-once-1').expect(200);
    const repeated = await refresh('refresh-once-1').expect(200);
    expect(repeated.body.refreshToken).toBe(first.body.refreshToken);
    await me({ ...ida, token: repeated.body.accessToken as string }).expect(200);
    await platform.http.post('/v1/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(200);

    // Another request with the rotated token is still reuse.
    const reuse = await refresh('refresh-once-2');
    expect([reuse.status, reuse.body.code]).toEqual([403, 'refresh-token-reused']);
  });

  it('R17, R18: a verification or a reset repeated with its Idempotency-Key is answered as the first was, and undoes nothing', async () => {
    const email = `jo-${Date.now()}@example.com`;
    await platform.http.post('/v1/auth/register').send({ email, password: PASSWORD, name: 'Jo' }).expect(202);
    const verifyToken = await platform.linkFromMail(email, '/verify-email');
    const verify = (key: string) =>
      platform.http.post('/v1/auth/verify-email').set('idempotency-key', key).send({ token: verifyToken });
    const verified = await verify('verify-once-1').expect(200);
    expect((await verify('verify-once-1').expect(200)).body).toEqual(verified.body);
    expect((await verify('verify-once-2')).status).toBe(410);

    await platform.http.post('/v1/auth/password/forgot').send({ email }).expect(202);
    const resetToken = await platform.linkFromMail(email, '/reset-password');
    const reset = () =>
      platform.http
        .post('/v1/auth/password/reset')
        .set('idempotency-key', 'reset-once-1')
        .send({ token: resetToken, password: 'a reset passphrase' });
    await reset().expect(204);
    const afterReset = await platform.signIn(email, 'a reset passphrase');
    await reset().expect(204);
    await me(afterReset).expect(200);
    await platform.http.post('/v1/auth/refresh').send({ refreshToken: afterReset.refreshToken }).expect(200);
    const other = await platform.http
      .post('/v1/auth/password/reset')
      .set('idempotency-key', 'reset-once-2')
      .send({ token: resetToken, password: 'a reset passphrase' });
    expect([other.status, other.body.code]).toEqual([410, 'token-invalid']);
  });

  // Last: it stops identity for the rest of this platform.
  it('identity not answering leaves the access tokens believed: reads go on, not 503', async () => {
    const hal = await platform.signUp('Hal');
    await me(hal).expect(200);
    await platform.stopIdentity();
    await new Promise((resolve) => setTimeout(resolve, 300)); // past SESSION_CHECK_MS: the session is asked about again

    expect((await me(hal).expect(200)).body.userId).toBe(hal.userId);
  });
});
