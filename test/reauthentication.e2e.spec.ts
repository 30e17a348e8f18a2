import { bearer, PASSWORD, startPlatform, type Platform, type SignedIn } from './platform.testing';

/**
 * A password given again while signed in (to change it or the e-mail) is a login attempt: a stolen access token does
 * not allow guessing past the account's lockout (5 wrong in 15 minutes), and wrong guesses there lock the login too.
 */
describe('passwords confirmed while signed in count towards the lockout', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform();
  }, 120_000);
  afterAll(() => platform?.close());

  const changePassword = (who: SignedIn, currentPassword: string, newPassword = 'a brand new passphrase') =>
    platform.http.put('/v1/me/password').set(bearer(who)).send({ currentPassword, newPassword });

  it('five wrong current passwords lock the account: the right one is then refused, on these routes and at login', async () => {
    const ada = await platform.signUp('Ada');
    const http = () => platform.http;
    for (let i = 0; i < 3; i++)
      expect((await changePassword(ada, 'not my password at all')).body.code).toBe('invalid-credentials');
    for (let i = 0; i < 2; i++) {
      const wrongEmail = await http()
        .put('/v1/me/email')
        .set(bearer(ada))
        .send({ email: `other-${i}-${ada.email}`, password: 'not my password either' });
      expect(wrongEmail.body.code).toBe('invalid-credentials');
    }

    const right = await changePassword(ada, PASSWORD);
    expect(right.status).toBe(403);
    expect(right.body.code).toBe('invalid-credentials');
    const login = await http().post('/v1/auth/login').send({ email: ada.email, password: PASSWORD });
    expect(login.status).toBe(403);
    // Nothing changed: the old password is still the password once the lock ends (the new one never took).
    expect((await http().get('/v1/me').set(bearer(ada)).expect(200)).body.email).toBe(ada.email);
  });

  it('a right password while not locked changes it, and clears the count of earlier wrong ones', async () => {
    const bob = await platform.signUp('Bob');
    for (let i = 0; i < 4; i++) await changePassword(bob, 'not my password at all').expect(403);
    await changePassword(bob, PASSWORD).expect(204);
    const signedIn = await platform.signIn(bob.email, 'a brand new passphrase');
    for (let i = 0; i < 4; i++)
      await changePassword(signedIn, 'still not my password', 'another new passphrase').expect(403);
    await changePassword(signedIn, 'a brand new passphrase', 'another new passphrase').expect(204);
  });

  it('a new password the policy refuses is a 400 naming newPassword, the field sent; the password stays as it was', async () => {
    const cy = await platform.signUp('Cy');
    const weak = await changePassword(cy, PASSWORD, 'short');
    expect([weak.status, weak.body.code, weak.body.field, weak.body.errors]).toEqual([
      400,
      'weak-password',
      'newPassword',
      [{ field: 'newPassword', message: expect.any(String) }],
    ]);
    await platform.signIn(cy.email, PASSWORD);
  });
});
