import { bearer, PASSWORD, startPlatform, type Platform } from './platform.testing';

/**
 * A password given again while signed in (to change it or the e-mail) is a login attempt: a stolen access token does
 * not allow guessing past the account's lockout (5 wrong in 15 minutes), and wrong guesses there lock the login too.
 */
describe('passwords confirmed while signed in count towards the lockout', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform();
  }, 60_000);
  afterAll(() => platform?.close());

  it('five wrong current passwords lock the account: the right one is then refused, on these routes and at login', async () => {
    const ada = await platform.signUp('Ada');
    const http = () => platform.http;
    const wrongChange = () =>
      http()
        .put('/v1/me/password')
        .set(bearer(ada))
        .send({ currentPassword: 'not my password at all', newPassword: 'a brand new passphrase' });
    for (let i = 0; i < 3; i++) expect((await wrongChange()).body.code).toBe('invalid-credentials');
    for (let i = 0; i < 2; i++) {
      const wrongEmail = await http()
        .put('/v1/me/email')
        .set(bearer(ada))
        .send({ email: `other-${i}-${ada.email}`, password: 'not my password either' });
      expect(wrongEmail.body.code).toBe('invalid-credentials');
    }

    const right = await http()
      .put('/v1/me/password')
      .set(bearer(ada))
      .send({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' });
    expect(right.status).toBe(403);
    expect(right.body.code).toBe('invalid-credentials');
    const login = await http().post('/v1/auth/login').send({ email: ada.email, password: PASSWORD });
    expect(login.status).toBe(403);
    // Nothing changed: the old password is still the password once the lock ends (the new one never took).
    expect((await http().get('/v1/me').set(bearer(ada)).expect(200)).body.email).toBe(ada.email);
  });

  it('a right password while not locked changes it, and clears the count of earlier wrong ones', async () => {
    const bob = await platform.signUp('Bob');
    const http = () => platform.http;
    for (let i = 0; i < 4; i++)
      await http()
        .put('/v1/me/password')
        .set(bearer(bob))
        .send({ currentPassword: 'not my password at all', newPassword: 'a brand new passphrase' })
        .expect(403);
    await http()
      .put('/v1/me/password')
      .set(bearer(bob))
      .send({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })
      .expect(204);
    const signedIn = await platform.signIn(bob.email, 'a brand new passphrase');
    for (let i = 0; i < 4; i++)
      await http()
        .put('/v1/me/password')
        .set(bearer(signedIn))
        .send({ currentPassword: 'still not my password', newPassword: 'another new passphrase' })
        .expect(403);
    await http()
      .put('/v1/me/password')
      .set(bearer(signedIn))
      .send({ currentPassword: 'a brand new passphrase', newPassword: 'another new passphrase' })
      .expect(204);
  });
});
