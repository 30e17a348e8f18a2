import { createHash, createPublicKey, randomInt, randomUUID, verify, type JsonWebKey } from 'node:crypto';
import request from 'supertest';
import { DomainError } from '@app/domain';
import { AggregateStore, readLastEvent } from '@app/event-store';
import { type PersonalData } from '@app/personal-data';
import { PERSONAL_DATA } from '@app/platform';
import { eventMessage } from '@app/messaging';
import { TOPICS } from '@app/contracts';
import { organizationEvent, waitFor, withinOneWindow } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { jsonEvent } from '@eventstore/db-client';
import { AccountManagement } from '../accounts/account-management';
import { IdentifierReservations } from '../accounts/identifier-reservations';
import { registeredUserId } from '../accounts/registration';
import { UserAccounts } from '../accounts/user-accounts';
import { PasswordManagement } from '../credentials/password-management';
import { PasswordHasher } from '../credentials/password-hasher';
import { OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { RefreshTokens } from '../sessions/refresh-tokens';
import { totpCode } from '../two-factor/totp';
import { type TwoFactorStore } from '../two-factor/two-factor.store';
import { TwoFactorService } from '../two-factor/two-factor.service';
import { type CredentialStore } from '../credentials/credential.store';
import { CREDENTIAL_STORE, TWO_FACTOR_STORE } from '../modules/identity-tokens';
import { userStreamName } from '../users/user.events';
import { type IdentityHarness, startIdentity, tokenOfLink } from './identity-harness.testing';

const PASSWORD = 'correct horse battery';

describe('identity over the bus, on the event store', () => {
  const eventStore = useTestEventStore();
  let identity: IdentityHarness;

  beforeAll(async () => {
    identity = await startIdentity(eventStore.store.connectionString, { operators: ['operator-1'] });
  });
  afterAll(() => identity.close());

  const email = () => `u-${randomUUID().slice(0, 8)}@example.com`;
  // The per-IP failure count lives in the shared MongoDB on Kafka + FerretDB: each run of this suite counts under its own
  // address, so running it again within 15 minutes does not meet the previous run's failures.
  const clientIp = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
  const login = (address: string, password = PASSWORD) =>
    identity.send({ type: 'Login', email: address, password, ip: clientIp });
  /** A password change from the registration password, sent under `commandId` each time it is called (a keyed retry). */
  const passwordChangeUnder =
    (commandId: ReturnType<typeof randomUUID>, userId: string, newPassword: string) => () =>
      identity.send({ type: 'ChangePassword', currentPassword: PASSWORD, newPassword }, userId, commandId);
  /** Enrols an authenticator for `userId` and confirms it with the current code. */
  const enrolTwoFactor = async (userId: string) => {
    const { secret } = await identity.result<{ secret: string }>(
      { type: 'StartTwoFactorEnrollment', password: PASSWORD },
      userId,
    );
    const { recoveryCodes } = await identity.result<{ recoveryCodes: string[] }>(
      { type: 'ConfirmTwoFactor', code: totpCode(secret, Math.floor(Date.now() / 1000)) },
      userId,
    );
    return { recoveryCodes };
  };
  /** `times` sends of `command` by `userId`, each refused with `code`. */
  const refusedEachTime = async (
    times: number,
    command: Record<string, unknown>,
    userId: string,
    code: string,
  ) => {
    for (let i = 0; i < times; i++)
      expect(await identity.send(command, userId)).toMatchObject({ ok: false, error: { code } });
  };
  /** A sign-in with the password, finished with a recovery code. */
  const signInWithRecoveryCode = async (address: string, recoveryCode: string | undefined) => {
    const challenge = await identity.result<{ challenge: string }>({
      type: 'Login',
      email: address,
      password: PASSWORD,
    });
    expect(
      await identity.send({
        type: 'CompleteTwoFactorLogin',
        challenge: challenge.challenge,
        code: recoveryCode,
      }),
    ).toMatchObject({ ok: true, result: { status: 'authenticated' } });
  };
  /** The user stream's last revision; undefined while it has no event. */
  const userStreamRevision = async (userId: string) =>
    (
      await new AggregateStore(eventStore.client).load(userStreamName(userId), {
        decider: { initialState: () => 0, evolve: (n: number) => n + 1 },
      })
    ).revision;

  it('R18: registers, publishes UserRegistered, and verifies the address once with the mailed link', async () => {
    const address = email();
    expect(
      await identity.send({
        type: 'Register',
        name: ' Ada ',
        email: address.toUpperCase(),
        password: PASSWORD,
      }),
    ).toEqual({
      ok: true,
      result: { status: 'accepted' },
    });
    const token = await identity.linkToken('verify-email', address);
    const link = new URL(identity.mails.find((m) => m.data.to === address)!.data.link!);
    // The token is in the fragment, which browsers never send to a server (nor to its access logs).
    expect([link.pathname, link.search, link.hash]).toEqual([
      '/verify-email',
      '',
      `#token=${encodeURIComponent(token)}`,
    ]);
    const verified = await identity.result<{ userId: string; emailVerified: boolean; name: string }>({
      type: 'VerifyEmail',
      token,
    });
    expect(verified).toMatchObject({ emailVerified: true, name: 'Ada', email: address });
    expect(await identity.send({ type: 'VerifyEmail', token })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    const events = await waitFor(() => {
      const mine = identity.userEvents.filter((e) => e.subject === verified.userId);
      return mine.length >= 2 && mine;
    });
    expect(events.map((e) => e.type)).toEqual(['identity.UserRegistered.v1', 'identity.EmailVerified.v1']);
    expect(events[0]).toMatchObject({ actor: verified.userId, revision: '0', data: { email: address } });
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  it('enumeration: registration, login and forgot-password answer the same for existing and unknown e-mails', async () => {
    const existing = email();
    await identity.registerVerified(existing);
    const unknown = email();
    const again = await identity.send({
      type: 'Register',
      name: 'Eve',
      email: existing,
      password: 'another fine passphrase',
    });
    const fresh = await identity.send({
      type: 'Register',
      name: 'Eve',
      email: unknown,
      password: 'another fine passphrase',
    });
    expect(again).toEqual(fresh);
    await waitFor(() =>
      identity.mails.find((m) => m.data.template === 'account-exists' && m.data.to === existing),
    );
    expect(await login(existing, 'wrong password here')).toEqual(await login(email(), 'wrong password here'));
    expect(await identity.send({ type: 'ForgotPassword', email: existing })).toEqual(
      await identity.send({ type: 'ForgotPassword', email: email() }),
    );
  });

  it('bad input names the field, mass assignment is refused, and nothing is written', async () => {
    const address = email();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ type: 'Register', name: 'A', password: PASSWORD }, 'validation-failed', 'command.email'],
      [{ type: 'Register', name: 'A', email: 'not-an-email', password: PASSWORD }, 'invalid-email', 'email'],
      [{ type: 'Register', name: 'A', email: address, password: 'short' }, 'weak-password', 'password'],
      [{ type: 'Register', name: 'A', email: address, password: 'password123' }, 'weak-password', 'password'],
      [
        { type: 'Register', name: 'A', email: address, password: PASSWORD, phone: '12' },
        'invalid-phone',
        'command.phone',
      ],
      [
        { type: 'Register', name: 'A', email: address, password: PASSWORD, emailVerified: true },
        'unknown-field',
        'command.emailVerified',
      ],
      [
        { type: 'Register', name: 'A', email: address, password: PASSWORD, roles: ['admin'] },
        'unknown-field',
        'command.roles',
      ],
    ];
    for (const [command, code, field] of cases) {
      expect(await identity.send(command)).toMatchObject({ ok: false, error: { code, details: { field } } });
    }
    const proto = JSON.parse(
      `{"type":"Register","name":"A","email":"${address}","password":"${PASSWORD}","__proto__":{"admin":true}}`,
    );
    expect(await identity.send(proto)).toMatchObject({
      ok: false,
      error: { code: 'unknown-field', details: { field: 'command.__proto__' } },
    });
    expect(await identity.send({ type: 'GetProfile' })).toMatchObject({
      ok: false,
      error: { code: 'authentication-required' },
    });
    expect(identity.mails.some((m) => m.data.to === address)).toBe(false);
    // The address is still free: nothing was reserved by the refused attempts.
    await identity.registerVerified(address);
  });

  it('enumeration: registering with a number another account holds answers as any registration, and leaves the number off', async () => {
    const first = email();
    const holder = await identity.registerVerified(first, PASSWORD, { phone: '+1 415 555 2671' });
    const second = email();
    const commandId = randomUUID();
    const answer = await identity.send(
      { type: 'Register', name: 'B', email: second, password: PASSWORD, phone: '+14155552671' },
      undefined,
      commandId,
    );
    const free = await identity.send({
      type: 'Register',
      name: 'C',
      email: email(),
      password: PASSWORD,
      phone: `+1650555${String(1000 + (Date.now() % 9000))}`,
    });
    expect(answer).toEqual(free);
    expect(JSON.stringify(answer)).not.toContain(first);
    // The account is made, without the number: its holder keeps it, and no reservation changed hands.
    const token = await identity.linkToken('verify-email', second);
    const registered = await identity.result<{ userId: string; phone?: string }>({
      type: 'VerifyEmail',
      token,
    });
    expect(registered.userId).toBe(registeredUserId(commandId));
    expect(registered.phone).toBeUndefined();
    const events = await waitFor(() => {
      const mine = identity.userEvents.filter((e) => e.subject === registered.userId);
      return mine.length >= 2 && mine;
    });
    expect(events[0]).toMatchObject({ type: 'identity.UserRegistered.v1' });
    expect(events[0]!.data).not.toHaveProperty('phone');
    expect(await identity.result({ type: 'GetProfile' }, holder)).toMatchObject({ phone: '+14155552671' });
    // Adding it from the profile, signed in, is where the conflict is told.
    expect(
      await identity.send({ type: 'UpdateProfile', phone: '+14155552671' }, registered.userId),
    ).toMatchObject({ ok: false, error: { code: 'phone-taken', details: { field: 'phone' } } });
  });

  it('two registrations racing for one free number: both are accepted, one account holds it', async () => {
    const phone = `+1212555${String(1000 + (Date.now() % 9000))}`;
    const [a, b] = [email(), email()];
    const answers = await Promise.all(
      [a, b].map((address) =>
        identity.send({ type: 'Register', name: 'R', email: address, password: PASSWORD, phone }),
      ),
    );
    expect(answers).toEqual([
      { ok: true, result: { status: 'accepted' } },
      { ok: true, result: { status: 'accepted' } },
    ]);
    const profiles = await Promise.all(
      [a, b].map(async (address) =>
        identity.result<{ phone?: string }>({
          type: 'VerifyEmail',
          token: await identity.linkToken('verify-email', address),
        }),
      ),
    );
    expect(profiles.map((p) => p.phone).filter(Boolean)).toEqual([phone]);
  });

  it('phones reserved before the streams were hashed stay their holders’; new ones name no number, nor its plain hash', async () => {
    const phone = `+1415555${String(1000 + (Date.now() % 9000))}`;
    await eventStore.client.appendToStream(`phone-${phone}`, [
      jsonEvent({
        type: 'IdentifierReserved',
        data: { kind: 'phone', userId: 'legacy-holder', at: new Date().toISOString() },
      }),
    ]);
    // The reservation's holder keeps the number: an account registered with it is made without it.
    const late = await identity.registerVerified(email(), PASSWORD, { phone });
    expect(await identity.result({ type: 'GetProfile' }, late)).not.toHaveProperty('phone');
    const other = `+1650555${String(1000 + (Date.now() % 9000))}`;
    const userId = await identity.registerVerified(email(), PASSWORD, { phone: other });
    const names: string[] = [];
    for await (const resolved of eventStore.client.readAll({ maxCount: 100_000 }))
      if (resolved.event?.streamId.startsWith('phone-')) names.push(resolved.event.streamId);
    expect(names).not.toContain(`phone-${other}`);
    expect(names).not.toContain(`phone-${createHash('sha256').update(other).digest('hex')}`);
    expect(names.some((name) => /^phone-k-[A-Za-z0-9_-]{43}$/.test(name))).toBe(true);
    expect(userId).toBeTruthy();
  });

  it('a command id an account used for another command is refused before its work is done: no new password, no deletion, 2FA kept', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const used = randomUUID();
    const NEW_PASSWORD = 'another long passphrase';
    const changed = await identity.send(
      { type: 'ChangePassword', currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      userId,
      used,
    );
    expect(changed).toMatchObject({ ok: true });
    const deletion = await identity.send(
      { type: 'DeleteAccount', password: NEW_PASSWORD, confirmOwnedOrganizations: true },
      userId,
      used,
    );
    expect(deletion).toMatchObject({ ok: false, error: { code: 'command-id-reused' } });
    expect(await login(address, NEW_PASSWORD)).toMatchObject({ ok: true });
    // Under the id of the 2FA confirmation, a password change sets no password and turning 2FA off leaves it on.
    const { secret } = await identity.result<{ secret: string }>(
      { type: 'StartTwoFactorEnrollment', password: NEW_PASSWORD },
      userId,
    );
    const confirmation = randomUUID();
    const code = () => totpCode(secret, Math.floor(Date.now() / 1000));
    expect(
      await identity.send({ type: 'ConfirmTwoFactor', code: code() }, userId, confirmation),
    ).toMatchObject({
      ok: true,
    });
    expect(
      await identity.send(
        { type: 'ChangePassword', currentPassword: NEW_PASSWORD, newPassword: 'a third long passphrase' },
        userId,
        confirmation,
      ),
    ).toMatchObject({ ok: false, error: { code: 'command-id-reused' } });
    expect(
      await identity.send({ type: 'DisableTwoFactor', code: code() }, userId, confirmation),
    ).toMatchObject({
      ok: false,
      error: { code: 'command-id-reused' },
    });
    expect(await login(address, 'a third long passphrase')).toMatchObject({ ok: false });
    expect(await login(address, NEW_PASSWORD)).toMatchObject({
      ok: true,
      result: { status: 'two-factor-required' },
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: true });
  });

  it('a keyed retry of a password change or of turning two-factor off leaves alone the sessions opened since', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const NEW_PASSWORD = 'another long passphrase';
    const refreshes = async (session: unknown) => {
      const { refreshToken } = (session as { result: { refreshToken: string } }).result;
      return (await identity.send({ type: 'Refresh', refreshToken })).ok;
    };
    const before = await login(address);
    const change = randomUUID();
    const changePassword = passwordChangeUnder(change, userId, NEW_PASSWORD);
    expect(await changePassword()).toMatchObject({ ok: true });
    const since = await login(address, NEW_PASSWORD);
    expect(await changePassword()).toMatchObject({ ok: true });
    expect(await refreshes(before)).toBe(false);
    expect(await refreshes(since)).toBe(true);

    const { secret } = await identity.result<{ secret: string }>(
      { type: 'StartTwoFactorEnrollment', password: NEW_PASSWORD },
      userId,
    );
    await awayFromStepEnd();
    const previousCode = totpCode(secret, Math.floor(Date.now() / 1000) - 30);
    expect(await identity.send({ type: 'ConfirmTwoFactor', code: previousCode }, userId)).toMatchObject({
      ok: true,
    });
    const turnOff = randomUUID();
    const code = totpCode(secret, Math.floor(Date.now() / 1000));
    expect(await identity.send({ type: 'DisableTwoFactor', code }, userId, turnOff)).toMatchObject({
      ok: true,
    });
    const afterTurnOff = await login(address, NEW_PASSWORD);
    expect(await identity.send({ type: 'DisableTwoFactor', code }, userId, turnOff)).toMatchObject({
      ok: true,
    });
    expect(await refreshes(afterTurnOff)).toBe(true);
  });

  it('a password change that stored the new password and failed before recording it: nothing of the old password is left, and its retry finishes it', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const before = await login(address);
    // An address change asked for with the old password (by whoever the new one is to shut out, perhaps).
    const elsewhere = email();
    await identity.result({ type: 'ChangeEmail', email: elsewhere, password: PASSWORD }, userId);
    const moveLink = await identity.linkToken('verify-email', elsewhere);
    const revision = await userStreamRevision(userId);
    const NEW_PASSWORD = 'another long passphrase';
    const accounts = identity.app.get(UserAccounts);
    const links = identity.app.get(OneTimeTokens);
    const credentials = identity.app.get<CredentialStore>(CREDENTIAL_STORE);
    const execute = accounts.execute.bind(accounts);
    let atFailure: { moveLinkLeft: boolean; newPasswordInForce: boolean } | undefined;
    const failingOnce = jest.spyOn(accounts, 'execute').mockImplementation(async (command, context) => {
      if (command.type === 'ChangePassword' && atFailure === undefined) {
        atFailure = {
          moveLinkLeft: (await links.outstanding('email-change', userId)) !== undefined,
          newPasswordInForce: await identity.app
            .get(PasswordHasher)
            .verify((await credentials.getHash(userId))!, NEW_PASSWORD),
        };
        throw new Error('the event store stopped answering');
      }
      return execute(command, context);
    });
    try {
      // The bus delivers the request again (the same command id), as a client's keyed retry would send it: its
      // current password is no longer the one in force, and it is not refused for that.
      expect(
        await identity.send(
          { type: 'ChangePassword', currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
          userId,
        ),
      ).toMatchObject({ ok: true, result: { status: 'accepted' } });
    } finally {
      failingOnce.mockRestore();
    }
    // When it failed, the new password was in force and nothing of the old one's standing was left.
    expect(atFailure).toEqual({ moveLinkLeft: false, newPasswordInForce: true });
    expect(await userStreamRevision(userId)).toBe(revision! + 1n);
    const { refreshToken } = (before as { result: { refreshToken: string } }).result;
    expect((await identity.send({ type: 'Refresh', refreshToken })).ok).toBe(false);
    expect(await identity.send({ type: 'VerifyEmail', token: moveLink })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    await waitFor(() =>
      identity.mails.find((m) => m.data.to === address && m.data.template === 'password-changed'),
    );
    // Another request, with the old password as its current one, is still refused.
    expect(
      await identity.send(
        { type: 'ChangePassword', currentPassword: PASSWORD, newPassword: 'a third long passphrase' },
        userId,
      ),
    ).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
    expect(await login(address, NEW_PASSWORD)).toMatchObject({ ok: true });
  });

  it('a password change answered with a failure after storing the new password: the same key with another new password is another request, refused once', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const NEW_PASSWORD = 'another long passphrase';
    const accounts = identity.app.get(UserAccounts);
    const execute = accounts.execute.bind(accounts);
    let failed = false;
    // A failure the bus answers rather than delivers again: the client is told, and retries under its key.
    const failingOnce = jest.spyOn(accounts, 'execute').mockImplementation(async (command, context) => {
      if (command.type === 'ChangePassword' && !failed) {
        failed = true;
        throw new DomainError('account-busy', 'conflict', 'try again');
      }
      return execute(command, context);
    });
    const key = randomUUID();
    try {
      expect(await passwordChangeUnder(key, userId, NEW_PASSWORD)()).toMatchObject({ ok: false });
    } finally {
      failingOnce.mockRestore();
    }
    expect(failed).toBe(true);
    const revision = await userStreamRevision(userId);
    const other = await passwordChangeUnder(key, userId, 'a third long passphrase')();
    expect(other).toMatchObject({ ok: false, error: { code: 'command-id-reused' } });
    expect(await userStreamRevision(userId)).toBe(revision);
    expect(await passwordChangeUnder(key, userId, NEW_PASSWORD)()).toMatchObject({
      ok: true,
      result: { status: 'accepted' },
    });
    expect(await userStreamRevision(userId)).toBe(revision! + 1n);
    // Four wrong passwords more are allowed before the lockout: the refused request counted one, not two.
    for (let i = 0; i < 3; i++)
      expect(await login(address, 'not the password at all')).toMatchObject({ ok: false });
    expect(await login(address, NEW_PASSWORD)).toMatchObject({ ok: true });
  });

  it('R22: turning two-factor off, taken out of the store and failed before it was recorded: its retry records it and ends the sessions', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    await awayFromStepEnd();
    const { secret } = await identity.result<{ secret: string }>(
      { type: 'StartTwoFactorEnrollment', password: PASSWORD },
      userId,
    );
    const previousCode = totpCode(secret, Math.floor(Date.now() / 1000) - 30);
    expect(await identity.send({ type: 'ConfirmTwoFactor', code: previousCode }, userId)).toMatchObject({
      ok: true,
    });
    const revision = await userStreamRevision(userId);
    const accounts = identity.app.get(UserAccounts);
    const execute = accounts.execute.bind(accounts);
    let failed = false;
    const failingOnce = jest.spyOn(accounts, 'execute').mockImplementation(async (command, context) => {
      if (command.type === 'DisableTwoFactor' && !failed) {
        failed = true;
        throw new Error('the event store stopped answering');
      }
      return execute(command, context);
    });
    try {
      // Delivered again by the bus under the same command id: the factor is gone, and the retry is not refused for it.
      const code = totpCode(secret, Math.floor(Date.now() / 1000));
      expect(await identity.send({ type: 'DisableTwoFactor', code }, userId)).toMatchObject({
        ok: true,
        result: { status: 'accepted' },
      });
    } finally {
      failingOnce.mockRestore();
    }
    expect(failed).toBe(true);
    expect(await userStreamRevision(userId)).toBe(revision! + 1n);
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: false });
    expect(await login(address)).toMatchObject({ ok: true, result: { status: 'authenticated' } });
    // With nothing on, nothing recorded: turning it off again is said to be off.
    expect(await identity.send({ type: 'DisableTwoFactor', code: '000000' }, userId)).toMatchObject({
      ok: false,
      error: { code: 'two-factor-not-enrolled' },
    });
  });

  /**
   * Sets up a second factor and confirms it with the previous step's code, so that the current step's code is still
   * unused; its secret.
   */
  const secondFactorConfirmedAStepAgo = async (userId: string) => {
    await awayFromStepEnd();
    const { secret } = await identity.result<{ secret: string }>(
      { type: 'StartTwoFactorEnrollment', password: PASSWORD },
      userId,
    );
    await identity.result(
      { type: 'ConfirmTwoFactor', code: totpCode(secret, Math.floor(Date.now() / 1000) - 30) },
      userId,
    );
    return secret;
  };

  /** A second factor in the store that the account's events never recorded (a set-up whose append failed). */
  const unrecordedSecondFactor = async (userId: string) => {
    const service = identity.app.get(TwoFactorService);
    const { secret } = await service.enroll(userId, 'unrecorded@example.com');
    await service.confirm(userId, totpCode(secret, Math.floor(Date.now() / 1000) - 30));
    return secret;
  };

  it('R22: a second factor on but unrecorded is recorded by setting it up again (409, with the password)', async () => {
    const userId = await identity.registerVerified(email());
    await awayFromStepEnd();
    await unrecordedSecondFactor(userId);
    const revision = await userStreamRevision(userId);
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: false });
    // A wrong password records nothing.
    expect(
      await identity.send({ type: 'StartTwoFactorEnrollment', password: 'not the password at all' }, userId),
    ).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
    expect(await userStreamRevision(userId)).toBe(revision);
    expect(
      await identity.send({ type: 'StartTwoFactorEnrollment', password: PASSWORD }, userId),
    ).toMatchObject({
      ok: false,
      error: { code: 'two-factor-already-enabled' },
    });
    expect(await userStreamRevision(userId)).toBe(revision! + 1n);
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: true });
  });

  it('R22: a second factor on but unrecorded is recorded by new recovery codes, once the code is proven, not before', async () => {
    const userId = await identity.registerVerified(email());
    await awayFromStepEnd();
    const secret = await unrecordedSecondFactor(userId);
    const revision = await userStreamRevision(userId);
    expect(await identity.send({ type: 'ReplaceRecoveryCodes', code: '000000' }, userId)).toMatchObject({
      ok: false,
      error: { code: 'invalid-two-factor-code' },
    });
    expect(await userStreamRevision(userId)).toBe(revision);
    const replaced = await identity.result<{ recoveryCodes: string[] }>(
      { type: 'ReplaceRecoveryCodes', code: totpCode(secret, Math.floor(Date.now() / 1000)) },
      userId,
    );
    expect(replaced.recoveryCodes).toHaveLength(10);
    expect(await userStreamRevision(userId)).toBe(revision! + 2n);
    expect(await readLastEvent(eventStore.client, userStreamName(userId))).toMatchObject({
      event: { type: 'RecoveryCodesReplaced' },
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: true });
  });

  it('R22: a set-up stored and failed before it was recorded: its retry records it on (409, codes lost), and new recovery codes can be had', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    await awayFromStepEnd();
    const { secret } = await identity.result<{ secret: string }>(
      { type: 'StartTwoFactorEnrollment', password: PASSWORD },
      userId,
    );
    const revision = await userStreamRevision(userId);
    const accounts = identity.app.get(UserAccounts);
    const execute = accounts.execute.bind(accounts);
    let failed = false;
    const failingOnce = jest.spyOn(accounts, 'execute').mockImplementation(async (command, context) => {
      if (command.type === 'EnableTwoFactor' && !failed) {
        failed = true;
        throw new Error('the event store stopped answering');
      }
      return execute(command, context);
    });
    try {
      // Delivered again by the bus under the same command id: the factor is on, and now recorded so.
      const code = totpCode(secret, Math.floor(Date.now() / 1000) - 30);
      expect(await identity.send({ type: 'ConfirmTwoFactor', code }, userId)).toMatchObject({
        ok: false,
        error: { code: 'two-factor-already-enabled' },
      });
    } finally {
      failingOnce.mockRestore();
    }
    expect(failed).toBe(true);
    expect(await userStreamRevision(userId)).toBe(revision! + 1n);
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: true });
    // Recorded once: a later confirm finds it on and records nothing more.
    expect(
      await identity.send(
        { type: 'ConfirmTwoFactor', code: totpCode(secret, Math.floor(Date.now() / 1000)) },
        userId,
      ),
    ).toMatchObject({ ok: false, error: { code: 'two-factor-already-enabled' } });
    expect(await userStreamRevision(userId)).toBe(revision! + 1n);
    // The codes that attempt made were never shown: new ones, for a current code, pass the second step of a sign-in.
    const { recoveryCodes } = await identity.result<{ recoveryCodes: string[] }>(
      { type: 'ReplaceRecoveryCodes', code: totpCode(secret, Math.floor(Date.now() / 1000) + 30) },
      userId,
    );
    expect(recoveryCodes).toHaveLength(10);
    // and that is recorded after it, as every replacement is
    expect(await userStreamRevision(userId)).toBe(revision! + 2n);
    await signInWithRecoveryCode(address, recoveryCodes[0]);
  });

  it('R22: new recovery codes are refused without a second factor, for a recovery code, and for wrong codes, which count towards the lockout', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    await refusedEachTime(
      1,
      { type: 'ReplaceRecoveryCodes', code: '123456' },
      userId,
      'two-factor-not-enrolled',
    );
    const { recoveryCodes } = await enrolTwoFactor(userId);
    const revision = await userStreamRevision(userId);
    expect(
      await identity.send({ type: 'ReplaceRecoveryCodes', code: recoveryCodes[0] }, userId),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid-two-factor-code', kind: 'forbidden', details: { field: 'code' } },
    });
    await refusedEachTime(
      4,
      { type: 'ReplaceRecoveryCodes', code: 'abcde-fghij' },
      userId,
      'invalid-two-factor-code',
    );
    // Five wrong codes: the sign-in's second step is refused now, even with a good recovery code.
    const challenge = await identity.result<{ challenge: string }>({
      type: 'Login',
      email: address,
      password: PASSWORD,
      ip: clientIp,
    });
    expect(
      await identity.send({
        type: 'CompleteTwoFactorLogin',
        challenge: challenge.challenge,
        code: recoveryCodes[1],
      }),
    ).toMatchObject({ ok: false, error: { code: 'invalid-two-factor-code' } });
    expect(await userStreamRevision(userId)).toBe(revision);
  });

  it('R22: a locked account makes no new recovery codes, even with a token from before the lock and a right code', async () => {
    const userId = await identity.registerVerified(email());
    const secret = await secondFactorConfirmedAStepAgo(userId);
    await identity.result({ type: 'LockUser', userId, reason: 'taken over' }, 'operator-1');
    const before = await identity.app.get<TwoFactorStore>(TWO_FACTOR_STORE).get(userId);
    const revision = await userStreamRevision(userId);
    expect(
      await identity.send(
        { type: 'ReplaceRecoveryCodes', code: totpCode(secret, Math.floor(Date.now() / 1000)) },
        userId,
      ),
    ).toMatchObject({ ok: false, error: { code: 'account-locked' } });
    expect(await identity.app.get<TwoFactorStore>(TWO_FACTOR_STORE).get(userId)).toEqual(before);
    expect(await userStreamRevision(userId)).toBe(revision);
  });

  it('R22: new recovery codes are recorded (RecoveryCodesReplaced, no code in it); a keyed retry is told they were shown once, a right code used before is not counted', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const secret = await secondFactorConfirmedAStepAgo(userId);
    const revision = await userStreamRevision(userId);
    const replacing = randomUUID();
    const code = totpCode(secret, Math.floor(Date.now() / 1000));
    const first = await identity.send({ type: 'ReplaceRecoveryCodes', code }, userId, replacing);
    expect(first).toMatchObject({ ok: true, result: { recoveryCodes: expect.any(Array) } });
    expect(await userStreamRevision(userId)).toBe(revision! + 1n);
    const recorded = await readLastEvent(eventStore.client, userStreamName(userId));
    expect(recorded?.event?.type).toBe('RecoveryCodesReplaced');
    expect(Object.keys(recorded!.event!.data as object).sort()).toEqual(['actorId', 'at', 'userId']);
    // The same request again under its key: nothing made, nothing counted.
    for (let i = 0; i < 6; i++)
      expect(await identity.send({ type: 'ReplaceRecoveryCodes', code }, userId, replacing)).toMatchObject({
        ok: false,
        error: { code: 'recovery-codes-shown-once', kind: 'conflict' },
      });
    // Without its key, the same code is used: refused as such, not as a guess, so six of them lock nothing out.
    for (let i = 0; i < 6; i++)
      expect(await identity.send({ type: 'ReplaceRecoveryCodes', code }, userId)).toMatchObject({
        ok: false,
        error: { code: 'two-factor-code-used' },
      });
    expect(await userStreamRevision(userId)).toBe(revision! + 1n);
    const { recoveryCodes } = (first as { result: { recoveryCodes: string[] } }).result;
    await signInWithRecoveryCode(address, recoveryCodes[0]);
  });

  it('R22: with the second factor gone unrecorded and a new set-up begun, turning it off records that it is off; confirming the set-up then records it on', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    await enrolTwoFactor(userId);
    // As a turning-off that stopped after taking the factor out of the store, before recording it.
    await identity.app.get(TwoFactorService).disable(userId);
    await awayFromStepEnd();
    const { secret } = await identity.result<{ secret: string }>(
      { type: 'StartTwoFactorEnrollment', password: PASSWORD },
      userId,
    );
    const revision = await userStreamRevision(userId);
    // No code is asked: there is no second factor to check it against, and the account has none either way.
    expect(await identity.send({ type: 'DisableTwoFactor', code: '000000' }, userId)).toMatchObject({
      ok: true,
    });
    expect(await userStreamRevision(userId)).toBe(revision! + 1n);
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: false });
    const previousCode = totpCode(secret, Math.floor(Date.now() / 1000) - 30);
    expect(await identity.send({ type: 'ConfirmTwoFactor', code: previousCode }, userId)).toMatchObject({
      ok: true,
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: true });
  });

  it('a keyed retry of a password change or of turning two-factor off answers as the first did: nothing done again, no wrong password counted', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const revisionOf = () => userStreamRevision(userId);
    const NEW_PASSWORD = 'another long passphrase';
    const change = randomUUID();
    const changePassword = passwordChangeUnder(change, userId, NEW_PASSWORD);
    const first = await changePassword();
    expect(first).toMatchObject({ ok: true, result: { status: 'accepted' } });
    const afterChange = await revisionOf();
    // Past the five wrong passwords that lock an account, had the retries been checked against the new password.
    for (let retry = 0; retry < 6; retry++) expect(await changePassword()).toEqual(first);
    expect(await revisionOf()).toBe(afterChange);
    // The same key with another new password is another request: refused, and the first new password stays.
    expect(
      await identity.send(
        { type: 'ChangePassword', currentPassword: PASSWORD, newPassword: 'a third long passphrase' },
        userId,
        change,
      ),
    ).toMatchObject({ ok: false, error: { code: 'command-id-reused' } });
    expect(await revisionOf()).toBe(afterChange);
    expect(await login(address, 'a third long passphrase')).toMatchObject({ ok: false });
    expect(await login(address, NEW_PASSWORD)).toMatchObject({
      ok: true,
      result: { status: 'authenticated' },
    });

    const { secret } = await identity.result<{ secret: string }>(
      { type: 'StartTwoFactorEnrollment', password: NEW_PASSWORD },
      userId,
    );
    // A code is taken once: set up with the previous step's, turned off with the current step's.
    const code = () => totpCode(secret, Math.floor(Date.now() / 1000));
    await awayFromStepEnd();
    const previousCode = totpCode(secret, Math.floor(Date.now() / 1000) - 30);
    expect(await identity.send({ type: 'ConfirmTwoFactor', code: previousCode }, userId)).toMatchObject({
      ok: true,
    });
    const turnOff = randomUUID();
    const disabled = await identity.send({ type: 'DisableTwoFactor', code: code() }, userId, turnOff);
    expect(disabled).toMatchObject({ ok: true, result: { status: 'accepted' } });
    const afterDisable = await revisionOf();
    expect(await identity.send({ type: 'DisableTwoFactor', code: code() }, userId, turnOff)).toEqual(
      disabled,
    );
    expect(await revisionOf()).toBe(afterDisable);
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: false });
    // Set up again, the second factor is not turned off by the old key, which would need no code.
    const again = await identity.result<{ secret: string }>(
      { type: 'StartTwoFactorEnrollment', password: NEW_PASSWORD },
      userId,
    );
    const confirmed = await identity.send(
      // The next step's code: the current step's may be the one that turned it off, and a code is taken once.
      { type: 'ConfirmTwoFactor', code: totpCode(again.secret, Math.floor(Date.now() / 1000) + 30) },
      userId,
    );
    expect(confirmed).toMatchObject({ ok: true });
    const afterSetUpAgain = await revisionOf();
    expect(await identity.send({ type: 'DisableTwoFactor', code: '000000' }, userId, turnOff)).toMatchObject({
      ok: false,
      error: { code: 'command-id-reused' },
    });
    expect(await revisionOf()).toBe(afterSetUpAgain);
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: true });
  });

  it('a registration repeated under its key mails its link within the hourly quota, and not once the address is verified', async () => {
    const address = email();
    const commandId = randomUUID();
    const register = () =>
      identity.send(
        { type: 'Register', name: 'A', email: address, password: PASSWORD },
        undefined,
        commandId,
      );
    for (let i = 0; i < 12; i++) expect(await register()).toMatchObject({ ok: true });
    const links = () =>
      identity.mails.filter((m) => m.data.template === 'verify-email' && m.data.to === address);
    await waitFor(() => links().length >= 6, { timeoutMs: 20_000, what: 'six verification links' });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // any further mail on its way
    // The first registration's link, and then five an hour (the quota of unasked-for mails), not twelve.
    expect(links()).toHaveLength(6);
    await identity.result({ type: 'VerifyEmail', token: await identity.linkToken('verify-email', address) });
    await identity.send({ type: 'ResendVerification', email: address }); // nothing to resend either
    const afterVerifying = links().length;
    for (let i = 0; i < 3; i++) expect(await register()).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(links()).toHaveLength(afterVerifying);
  });

  it('an account asking to move to one address after another has ten links an hour mailed, then none', async () => {
    const userId = await identity.registerVerified(email());
    const targets = Array.from({ length: 11 }, () => email());
    const answers = [];
    for (const to of targets)
      answers.push(
        await identity.result<{ expiresAt?: string }>(
          { type: 'ChangeEmail', email: to, password: PASSWORD },
          userId,
        ),
      );
    expect(answers.map((a) => a.expiresAt !== undefined)).toEqual([...Array(10).fill(true), false]);
    expect(answers[10]).toEqual({ userId, pendingEmail: targets[10] });
    // Another account is not held back by the first one's count.
    const other = await identity.registerVerified(email());
    const otherAnswer = await identity.result<{ expiresAt?: string }>(
      { type: 'ChangeEmail', email: email(), password: PASSWORD },
      other,
    );
    expect(otherAnswer.expiresAt).toEqual(expect.any(String));
  });

  it('a registration whose command id another registration used is refused, and the first account keeps its password', async () => {
    const commandId = randomUUID();
    const [first, second] = [email(), email()];
    const register = (address: string, password: string) =>
      identity.send({ type: 'Register', name: 'A', email: address, password }, undefined, commandId);
    expect(await register(first, PASSWORD)).toMatchObject({ ok: true });
    // the same registration again changes nothing; another one under its id is refused
    expect(await register(first, 'another long passphrase')).toMatchObject({ ok: true });
    expect(await register(second, 'another long passphrase')).toMatchObject({
      ok: false,
      error: { code: 'command-id-reused' },
    });
    await identity.result({ type: 'VerifyEmail', token: await identity.linkToken('verify-email', first) });
    expect(await login(first)).toMatchObject({ ok: true });
    expect(await login(first, 'another long passphrase')).toMatchObject({ ok: false });
    // the refused one holds nothing: its address registers for someone else
    expect(
      await identity.send({ type: 'Register', name: 'B', email: second, password: PASSWORD }),
    ).toMatchObject({
      ok: true,
    });
  });

  it('login issues a verifiable access token and a rotating refresh token; reuse revokes the family; logout ends it', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const session = (await login(address)) as {
      ok: true;
      result: { accessToken: string; refreshToken: string };
    };
    expect(session.ok).toBe(true);
    const claims = JSON.parse(
      Buffer.from(session.result.accessToken.split('.')[1]!, 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: userId });
    const jwks = (await request(identity.app.getHttpServer()).get('/.well-known/jwks.json').expect(200))
      .body as {
      keys: (JsonWebKey & { kid: string })[];
    };
    const [header, payload, signature] = session.result.accessToken.split('.') as [string, string, string];
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
    const key = createPublicKey({ key: jwks.keys.find((k) => k.kid === kid)!, format: 'jwk' });
    expect(verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))).toBe(
      true,
    );
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(300);

    const rotated = await identity.result<{ refreshToken: string }>({
      type: 'Refresh',
      refreshToken: session.result.refreshToken,
    });
    expect(await identity.send({ type: 'Refresh', refreshToken: session.result.refreshToken })).toMatchObject(
      {
        ok: false,
        error: { code: 'refresh-token-reused' },
      },
    );
    expect(await identity.send({ type: 'Refresh', refreshToken: rotated.refreshToken })).toMatchObject({
      ok: false,
      error: { code: 'refresh-token-revoked' },
    });

    const second = (await login(address)) as {
      ok: true;
      result: { refreshToken: string; sessionId: string };
    };
    // The answer names the session it ended, for the gateway to stop accepting its access tokens at once.
    expect(await identity.result({ type: 'Logout', refreshToken: second.result.refreshToken })).toEqual({
      status: 'accepted',
      sessionId: second.result.sessionId,
    });
    expect(await identity.result({ type: 'Logout', refreshToken: 'unknown-token' })).toEqual({
      status: 'accepted',
    });
    expect(await identity.result({ type: 'SessionActive', sessionId: second.result.sessionId })).toEqual({
      active: false,
    });
    expect(await identity.send({ type: 'Refresh', refreshToken: second.result.refreshToken })).toMatchObject({
      ok: false,
    });
  });

  it('R17: a refused password leaves the reset link usable; a keyed reset that used the link and failed before the change is carried on by its retry', async () => {
    const address = email();
    await identity.registerVerified(address);
    await identity.result({ type: 'ForgotPassword', email: address });
    const token = await identity.linkToken('reset-password', address);
    expect(await identity.send({ type: 'ResetPassword', token, password: address })).toMatchObject({
      ok: false,
      error: { code: 'weak-password' },
    });
    const commandId = randomUUID();
    // The first attempt got as far as using the link, then failed (the event store out of reach, a crash).
    await identity.app.get(OneTimeTokens).redeem('password-reset', token, commandId);
    const retried = () =>
      identity.send(
        { type: 'ResetPassword', token, password: 'a brand new passphrase' },
        undefined,
        commandId,
      );
    expect(await retried()).toMatchObject({ ok: true });
    expect(await login(address, 'a brand new passphrase')).toMatchObject({ ok: true });
    // Done now: a further retry changes nothing, and the session opened since goes on.
    const session = (await login(address, 'a brand new passphrase')) as { result: { refreshToken: string } };
    expect(await retried()).toMatchObject({ ok: true });
    expect(await identity.send({ type: 'Refresh', refreshToken: session.result.refreshToken })).toMatchObject(
      {
        ok: true,
      },
    );
  });

  it('R17: a keyed reset that used the link and failed is not carried on by its retry once the owner changed the password or moved', async () => {
    const usedThenFailed = async (address: string) => {
      await identity.result({ type: 'ForgotPassword', email: address });
      const token = await identity.linkToken('reset-password', address);
      const commandId = randomUUID();
      await identity.app.get(OneTimeTokens).redeem('password-reset', token, commandId);
      return () =>
        identity.send(
          { type: 'ResetPassword', token, password: 'the taker’s passphrase' },
          undefined,
          commandId,
        );
    };
    const changed = email();
    const changedId = await identity.registerVerified(changed);
    const retryAfterChange = await usedThenFailed(changed);
    expect(await passwordChangeUnder(randomUUID(), changedId, 'the owner’s new passphrase')()).toMatchObject({
      ok: true,
    });
    expect(await retryAfterChange()).toMatchObject({ ok: false, error: { code: 'token-invalid' } });
    expect(await login(changed, 'the owner’s new passphrase')).toMatchObject({ ok: true });

    const left = email();
    const leftId = await identity.registerVerified(left);
    const retryAfterMove = await usedThenFailed(left);
    const moved = email();
    await identity.changeEmail(leftId, moved, PASSWORD);
    expect(await retryAfterMove()).toMatchObject({ ok: false, error: { code: 'token-invalid' } });
    expect(await login(moved)).toMatchObject({ ok: true });

    // The same holds for a link's first use: sessions ended since it was sent (two-factor turned on) void it.
    const secured = email();
    const securedId = await identity.registerVerified(secured);
    await identity.result({ type: 'ForgotPassword', email: secured });
    const sentBefore = await identity.linkToken('reset-password', secured);
    await enrolTwoFactor(securedId);
    expect(
      await identity.send({ type: 'ResetPassword', token: sentBefore, password: 'a brand new passphrase' }),
    ).toMatchObject({ ok: false, error: { code: 'token-invalid' } });
    await identity.result({ type: 'ForgotPassword', email: secured });
    // Mailed after the answer: the newest link, once it is not the one before.
    const sentAfter = await waitFor(async () => {
      const newest = await identity.linkToken('reset-password', secured);
      return newest !== sentBefore ? newest : undefined;
    });
    await identity.result({ type: 'ResetPassword', token: sentAfter, password: 'a brand new passphrase' });
  });

  it('R17/R18: changing the address ends the reset links sent to the old one', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    await identity.result({ type: 'ForgotPassword', email: address });
    const token = await identity.linkToken('reset-password', address);
    const moved = email();
    await identity.changeEmail(userId, moved, PASSWORD);
    expect(
      await identity.send({ type: 'ResetPassword', token, password: 'a brand new passphrase' }),
    ).toMatchObject({ ok: false, error: { code: 'token-invalid' } });
    expect(await login(moved)).toMatchObject({ ok: true });
    // A link to the old address sent as the change landed (a forgot-password that read the account before it) is
    // no better: it went to an address the account no longer has.
    const late = await identity.app.get(OneTimeTokens).issue('password-reset', userId, address);
    expect(
      await identity.send({ type: 'ResetPassword', token: late.token, password: 'a brand new passphrase' }),
    ).toMatchObject({ ok: false, error: { code: 'token-invalid' } });
    expect(await login(moved)).toMatchObject({ ok: true });
    // A link asked for after the change, sent to the new address, works.
    await identity.result({ type: 'ForgotPassword', email: moved });
    const fresh = await identity.linkToken('reset-password', moved);
    await identity.result({ type: 'ResetPassword', token: fresh, password: 'a brand new passphrase' });
    expect(await login(moved, 'a brand new passphrase')).toMatchObject({ ok: true });
  });

  it('R18: asking to move to another address changes nothing until the link mailed there is used; then the account moves, verified, once', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const revision = await userStreamRevision(userId);
    const moved = email();
    const asked = await identity.result<Record<string, unknown>>(
      { type: 'ChangeEmail', email: moved.toUpperCase(), password: PASSWORD },
      userId,
    );
    expect(asked).toEqual({ userId, pendingEmail: moved, expiresAt: expect.any(String) });
    const mail = await waitFor(() =>
      identity.mails.find((m) => m.data.to === moved && m.data.template === 'verify-email'),
    );
    expect(mail.data).toMatchObject({ occasion: 'email-change', userId, expiresAt: asked.expiresAt });
    // The console's page for the link says that using it moves an account here.
    expect(new URL(mail.data.link!).searchParams.get('change')).toBe('1');
    // Nothing recorded, nothing held: the account signs in at its address, and the new one is nobody's yet.
    expect(await userStreamRevision(userId)).toBe(revision);
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({
      email: address,
      emailVerified: true,
    });
    expect(await identity.app.get(IdentifierReservations).holderOf('email', moved)).toBeUndefined();
    expect(await login(moved)).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
    expect(await login(address)).toMatchObject({ ok: true });

    const token = tokenOfLink(mail.data.link!);
    const commandId = randomUUID();
    const confirm = () => identity.send({ type: 'VerifyEmail', token }, undefined, commandId);
    expect(await confirm()).toMatchObject({
      ok: true,
      result: { userId, email: moved, emailVerified: true },
    });
    expect(await userStreamRevision(userId)).toBe(revision! + 2n);
    const reservations = identity.app.get(IdentifierReservations);
    expect(await reservations.holderOf('email', moved)).toBe(userId);
    expect(await reservations.holderOf('email', address)).toBeUndefined();
    await waitFor(() =>
      identity.mails.find((m) => m.data.to === address && m.data.template === 'email-changed'),
    );
    expect(await login(moved)).toMatchObject({ ok: true });
    // The same request again (a lost answer) is answered the same, with nothing more recorded; another use is refused.
    expect(await confirm()).toMatchObject({ ok: true, result: { email: moved } });
    expect(await userStreamRevision(userId)).toBe(revision! + 2n);
    expect(await identity.send({ type: 'VerifyEmail', token })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
  });

  it("R18/R22: an account with a second factor asking to move onto someone else's address holds nothing there: its owner registers it, and the link then moves nothing", async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    await enrolTwoFactor(userId);
    const victim = email();
    const askedBy = randomUUID();
    await identity.send({ type: 'ChangeEmail', email: victim, password: PASSWORD }, userId, askedBy);
    const link = await identity.linkToken('verify-email', victim);
    // The address's owner registers it, with the link of their own registration (not the move's).
    await identity.result({ type: 'Register', name: 'Owner', email: victim, password: PASSWORD });
    const registration = await waitFor(() =>
      identity.mails.find(
        (m) => m.data.to === victim && m.data.template === 'verify-email' && !m.data.occasion,
      ),
    );
    const owner = await identity.result<{ userId: string }>({
      type: 'VerifyEmail',
      token: tokenOfLink(registration.data.link!),
    });
    expect(owner.userId).not.toBe(userId);
    const links = identity.app.get(OneTimeTokens);
    expect(await identity.send({ type: 'VerifyEmail', token: link })).toMatchObject({
      ok: false,
      error: { code: 'email-taken' },
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ email: address });
    expect(await identity.app.get(IdentifierReservations).holderOf('email', victim)).toBe(owner.userId);
    // Refused before it was used, the link is still the one outstanding; asked again now, the address is refused at
    // once and no new link is made.
    expect(await links.outstanding('email-change', userId)).toMatchObject({
      subject: victim,
      issuedBy: askedBy,
    });
    expect(
      await identity.send({ type: 'ChangeEmail', email: victim, password: PASSWORD }, userId),
    ).toMatchObject({ ok: false, error: { code: 'email-taken', details: { field: 'email' } } });
    expect(await links.outstanding('email-change', userId)).toMatchObject({ issuedBy: askedBy });
  });

  it('R18: a locked account does not move: the lock ends the link, one made as the lock landed is refused while locked and void after, and a move asked for after the unlock works', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const moved = email();
    await identity.result({ type: 'ChangeEmail', email: moved, password: PASSWORD }, userId);
    const link = await identity.linkToken('verify-email', moved);
    await identity.result({ type: 'LockUser', userId, reason: 'taken over' }, 'operator-1');
    expect(await identity.send({ type: 'VerifyEmail', token: link })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    // Made as the lock landed: asked for by an account read before it (whose sessions had never ended).
    const late = await identity.app
      .get(OneTimeTokens)
      .issue('email-change', userId, moved, { replaces: address, accountEpoch: '' });
    expect(await identity.send({ type: 'VerifyEmail', token: late.token })).toMatchObject({
      ok: false,
      error: { code: 'account-locked' },
    });
    await identity.result({ type: 'UnlockUser', userId }, 'operator-1');
    expect(await identity.send({ type: 'VerifyEmail', token: late.token })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ email: address });
    expect(await identity.app.get(IdentifierReservations).holderOf('email', moved)).toBeUndefined();
    const mailed = identity.mails.filter((m) => m.data.to === moved).length;
    await identity.result({ type: 'ChangeEmail', email: moved, password: PASSWORD }, userId);
    const mail = await waitFor(() => identity.mails.filter((m) => m.data.to === moved)[mailed]);
    const token = tokenOfLink(mail.data.link!);
    expect(await identity.result({ type: 'VerifyEmail', token })).toMatchObject({ email: moved });
  });

  it('R17/R18: a link asked for before a password change (made as the change landed) moves nothing after it', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const moved = email();
    const before = await identity.app
      .get(OneTimeTokens)
      .issue('email-change', userId, moved, { replaces: address, accountEpoch: '' });
    await identity.result(
      { type: 'ChangePassword', currentPassword: PASSWORD, newPassword: 'another long passphrase' },
      userId,
    );
    // As if it were issued after the change's revocation of pending links.
    const late = await identity.app
      .get(OneTimeTokens)
      .issue('email-change', userId, moved, { replaces: address, accountEpoch: '' });
    expect(await identity.send({ type: 'VerifyEmail', token: before.token })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    expect(await identity.send({ type: 'VerifyEmail', token: late.token })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ email: address });
  });

  it('R18: asking for another address calls the earlier move off even when the new one is past its mail quota', async () => {
    const userId = await identity.registerVerified(email());
    const [flooded, other] = [email(), email()];
    const ask = (to: string) =>
      identity.result<{ expiresAt?: string }>({ type: 'ChangeEmail', email: to, password: PASSWORD }, userId);
    for (let i = 0; i < 5; i++) expect((await ask(flooded)).expiresAt).toEqual(expect.any(String));
    await ask(other);
    const link = await identity.linkToken('verify-email', other);
    expect(await ask(flooded)).toEqual({ userId, pendingEmail: flooded });
    expect(await identity.send({ type: 'VerifyEmail', token: link })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
  });

  it('R18: a move whose answer was lost after it was recorded is finished by its repeat: the old address is let go and told', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const moved = email();
    await identity.result({ type: 'ChangeEmail', email: moved, password: PASSWORD }, userId);
    const token = await identity.linkToken('verify-email', moved);
    const reservations = identity.app.get(IdentifierReservations);
    // The first attempt records the move, then fails letting the old address go (the event store out of reach for a
    // moment); the bus hands the request over again, under the same id.
    const release = reservations.release.bind(reservations);
    let failed = 0;
    const failing = jest.spyOn(reservations, 'release').mockImplementation(async (kind, value, ...rest) => {
      if (value === address && failed++ === 0) throw new Error('event store unreachable');
      return release(kind, value, ...rest);
    });
    try {
      expect(await identity.send({ type: 'VerifyEmail', token })).toMatchObject({
        ok: true,
        result: { email: moved, emailVerified: true },
      });
    } finally {
      failing.mockRestore();
    }
    expect(failed).toBe(2);
    expect(await reservations.holderOf('email', address)).toBeUndefined();
    expect(await reservations.holderOf('email', moved)).toBe(userId);
    await waitFor(() =>
      identity.mails.find((m) => m.data.to === address && m.data.template === 'email-changed'),
    );
  });

  it('R18: a wrong password asks for nothing; a newer request replaces the older link, and a password change drops the pending one', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const first = email();
    expect(
      await identity.send({ type: 'ChangeEmail', email: first, password: 'not the password' }, userId),
    ).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
    await identity.result({ type: 'ChangeEmail', email: first, password: PASSWORD }, userId);
    const older = await identity.linkToken('verify-email', first);
    const second = email();
    await identity.result({ type: 'ChangeEmail', email: second, password: PASSWORD }, userId);
    const newer = await identity.linkToken('verify-email', second);
    expect(await identity.send({ type: 'VerifyEmail', token: older })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    await identity.result(
      { type: 'ChangePassword', currentPassword: PASSWORD, newPassword: 'another long passphrase' },
      userId,
    );
    expect(await identity.send({ type: 'VerifyEmail', token: newer })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ email: address });
    // The account's own address is no request: the answer is the profile as it is, and a move asked for is off.
    const mailed = identity.mails.filter((m) => m.data.to === first).length;
    await identity.result({ type: 'ChangeEmail', email: first, password: 'another long passphrase' }, userId);
    const mail = await waitFor(() => identity.mails.filter((m) => m.data.to === first)[mailed]);
    const called = tokenOfLink(mail.data.link!);
    expect(
      await identity.result(
        { type: 'ChangeEmail', email: address, password: 'another long passphrase' },
        userId,
      ),
    ).toMatchObject({ userId, email: address, emailVerified: true });
    expect(await identity.send({ type: 'VerifyEmail', token: called })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
  });

  it('R18: an address change asked again under its key sends a fresh link in place of the first; the key used for another address is refused and changes no link', async () => {
    const userId = await identity.registerVerified(email());
    const [first, second] = [email(), email()];
    const commandId = randomUUID();
    const ask = (to: string) =>
      identity.send({ type: 'ChangeEmail', email: to, password: PASSWORD }, userId, commandId);
    expect(await ask(first)).toMatchObject({ ok: true, result: { pendingEmail: first } });
    const older = await identity.linkToken('verify-email', first);
    expect(await ask(first)).toMatchObject({ ok: true, result: { pendingEmail: first } });
    const mailsToFirst = () => identity.mails.filter((m) => m.data.to === first);
    await waitFor(() => mailsToFirst().length === 2 || undefined);
    const newer = await identity.linkToken('verify-email', first);
    expect(await ask(second)).toMatchObject({ ok: false, error: { code: 'command-id-reused' } });
    expect(await identity.app.get(OneTimeTokens).outstanding('email-change', userId)).toMatchObject({
      subject: first,
      issuedBy: commandId,
    });
    expect(await identity.send({ type: 'VerifyEmail', token: older })).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    expect(await identity.result({ type: 'VerifyEmail', token: newer })).toMatchObject({ email: first });
  });

  it('R17: a reset link sets a new password once, ends every session, and PasswordChanged carries no hash', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const before = (await login(address)) as { ok: true; result: { refreshToken: string } };
    await identity.result({ type: 'ForgotPassword', email: address });
    const token = await identity.linkToken('reset-password', address);
    await identity.result({ type: 'ResetPassword', token, password: 'a brand new passphrase' });
    expect(
      await identity.send({ type: 'ResetPassword', token, password: 'yet another passphrase' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'token-invalid' },
    });
    expect(await identity.send({ type: 'Refresh', refreshToken: before.result.refreshToken })).toMatchObject({
      ok: false,
    });
    expect(await login(address)).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
    expect(await login(address, 'a brand new passphrase')).toMatchObject({ ok: true });
    const changed = await waitFor(() =>
      identity.userEvents.find((e) => e.subject === userId && e.type === 'identity.PasswordChanged.v1'),
    );
    expect(changed.data).toEqual({ userId, actorId: userId, at: expect.any(String), reason: 'reset' });
  });

  it('only a platform operator locks an account; a locked account cannot sign in and its sessions end', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const session = (await login(address)) as { ok: true; result: { sessionId: string } };
    expect(await identity.send({ type: 'LockUser', userId, reason: 'abuse' }, userId)).toMatchObject({
      ok: false,
      error: { code: 'operator-only' },
    });
    await identity.result({ type: 'LockUser', userId, reason: 'abuse' }, 'operator-1');
    expect(await identity.result({ type: 'SessionActive', sessionId: session.result.sessionId })).toEqual({
      active: false,
    });
    await waitFor(() =>
      identity.userEvents.find((e) => e.subject === userId && e.type === 'identity.UserLocked.v1'),
    );
    expect(await login(address)).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
    await identity.result({ type: 'UnlockUser', userId }, 'operator-1');
    await waitFor(async () => (await login(address)).ok);
  });

  it('a lock retried under its key after an unlock ends nothing: the sessions opened since go on', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const key = randomUUID();
    const lock = () => identity.send({ type: 'LockUser', userId, reason: 'abuse' }, 'operator-1', key);
    expect(await lock()).toMatchObject({ ok: true });
    await identity.result({ type: 'UnlockUser', userId }, 'operator-1');
    const since = (await waitFor(async () => {
      const signedIn = await login(address);
      return signedIn.ok ? signedIn : undefined;
    })) as { result: { sessionId: string } };
    const revision = await userStreamRevision(userId);
    expect(await lock()).toMatchObject({ ok: true });
    expect(await userStreamRevision(userId)).toBe(revision);
    expect(await identity.result({ type: 'SessionActive', sessionId: since.result.sessionId })).toEqual({
      active: true,
    });
  });

  it('R17: a reset membership asks for (PasswordResetRequested) mails the member a link', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const orgId = randomUUID();
    await identity.bus.publish([
      eventMessage(
        TOPICS.membershipOrganizations,
        organizationEvent(
          'PasswordResetRequested',
          orgId,
          { userId },
          { revision: '4', actor: 'an-owner', test: 'identity-commands' },
        ),
      ),
    ]);
    expect(await identity.linkToken('reset-password', address)).toEqual(expect.any(String));
  });

  it('lockout cannot be raced: 50 parallel wrong passwords check at most five, five failures lock, the right one is then refused alike', async () => {
    const address = email();
    await identity.registerVerified(address);
    const replies = await Promise.all(Array.from({ length: 50 }, () => login(address, 'wrong password!!')));
    // Those over the limit are refused unchecked and not counted (a store may count a burst loosely, so the burst
    // itself may check none): five more wrong ones one by one reach five checked failures whatever the burst did.
    for (let i = 0; i < 5; i++) replies.push(await login(address, 'wrong password!!'));
    expect(new Set(replies.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(replies[0]).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
    expect(await login(address)).toEqual(replies[0]);
  });

  it('R22: setting up two-factor takes the password again: a session alone adds no second factor', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    expect(
      await identity.send({ type: 'StartTwoFactorEnrollment', password: 'not the password!!' }, userId),
    ).toMatchObject({ ok: false, error: { code: 'invalid-credentials', details: { field: 'password' } } });
    expect(await identity.send({ type: 'StartTwoFactorEnrollment' }, userId)).toMatchObject({
      ok: false,
      error: { code: 'validation-failed' },
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: false });
    // A wrong password counts as a failed sign-in would.
    for (let i = 0; i < 4; i++)
      await identity.send({ type: 'StartTwoFactorEnrollment', password: 'not the password!!' }, userId);
    expect(await login(address)).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
  });

  it('R22: two-factor is set up only on a verified address; a reset through the mailbox verifies it', async () => {
    // Someone registers an address they cannot read and signs in: no second factor for them to put in its owner's way.
    const address = email();
    const commandId = randomUUID();
    expect(
      await identity.send(
        { type: 'Register', name: 'Not the owner', email: address, password: PASSWORD },
        undefined,
        commandId,
      ),
    ).toMatchObject({ ok: true });
    const userId = registeredUserId(commandId);
    expect(await login(address)).toMatchObject({ ok: true });
    expect(
      await identity.send({ type: 'StartTwoFactorEnrollment', password: PASSWORD }, userId),
    ).toMatchObject({ ok: false, error: { code: 'email-not-verified' } });
    // The mailbox's owner resets the password: the address is theirs, verified, and two-factor theirs to set up.
    await identity.result({ type: 'ForgotPassword', email: address });
    const token = await identity.linkToken('reset-password', address);
    await identity.result({ type: 'ResetPassword', token, password: 'the owner’s own passphrase' });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ emailVerified: true });
    expect(
      await identity.send(
        { type: 'StartTwoFactorEnrollment', password: 'the owner’s own passphrase' },
        userId,
      ),
    ).toMatchObject({ ok: true, result: { secret: expect.any(String) } });
  });

  it('R22: wrong codes turning two-factor off are limited as at sign-in; no address given at sign-in reaches that count', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const { recoveryCodes } = await enrolTwoFactor(userId);
    // (A TOTP code counts once per time step: recovery codes stand for the right codes below.)
    // Someone who knows the user id signs in with it dressed as an address: the user's own codes still work.
    for (let i = 0; i < 6; i++) await login(`second-factor:${userId}`, 'wrong password!!');
    await signInWithRecoveryCode(address, recoveryCodes[0]);
    // Five wrong codes, and then not even the right one turns it off for a while.
    await refusedEachTime(5, { type: 'DisableTwoFactor', code: '000000' }, userId, 'invalid-two-factor-code');
    expect(await identity.send({ type: 'DisableTwoFactor', code: recoveryCodes[1] }, userId)).toMatchObject({
      ok: false,
      error: { code: 'invalid-two-factor-code' },
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: true });
  });

  it('R22: wrong codes confirming a set-up are limited as at sign-in: a session alone cannot guess its way to the recovery codes', async () => {
    const userId = await identity.registerVerified(email());
    const { secret } = await identity.result<{ secret: string }>(
      { type: 'StartTwoFactorEnrollment', password: PASSWORD },
      userId,
    );
    await refusedEachTime(5, { type: 'ConfirmTwoFactor', code: '000000' }, userId, 'invalid-two-factor-code');
    const right = totpCode(secret, Math.floor(Date.now() / 1000));
    expect(await identity.send({ type: 'ConfirmTwoFactor', code: right }, userId)).toMatchObject({
      ok: false,
      error: { code: 'invalid-two-factor-code' },
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: false });
  });

  it('R22: confirming when there is nothing to confirm (none started, or on already) counts no wrong code', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const confirm = { type: 'ConfirmTwoFactor', code: '000000' };
    await refusedEachTime(5, confirm, userId, 'two-factor-not-enrolled');
    const { recoveryCodes } = await enrolTwoFactor(userId);
    await refusedEachTime(5, confirm, userId, 'two-factor-already-enabled');
    await signInWithRecoveryCode(address, recoveryCodes[0]);
  });

  it('R22: starting two-factor, retried under its command id, shows the same secret; another request starts afresh', async () => {
    const userId = await identity.registerVerified(email());
    const start = (commandId: ReturnType<typeof randomUUID>) =>
      identity.send({ type: 'StartTwoFactorEnrollment', password: PASSWORD }, userId, commandId);
    const key = randomUUID();
    const first = await start(key);
    expect(first).toMatchObject({ ok: true, result: { secret: expect.any(String) } });
    expect(await start(key)).toEqual(first);
    const afresh = await start(randomUUID());
    expect(afresh).toMatchObject({ ok: true });
    const secretOf = (reply: typeof first) => (reply as { result: { secret: string } }).result.secret;
    expect(secretOf(afresh)).not.toBe(secretOf(first));
    // The secret shown last is the one that confirms.
    expect(
      await identity.send(
        { type: 'ConfirmTwoFactor', code: totpCode(secretOf(afresh), Math.floor(Date.now() / 1000)) },
        userId,
      ),
    ).toMatchObject({ ok: true });
  });

  it('R22: turning two-factor off while it is off is refused as not enrolled, and is no wrong code counted against one set up later', async () => {
    const userId = await identity.registerVerified(email());
    for (let i = 0; i < 6; i++)
      expect(await identity.send({ type: 'DisableTwoFactor', code: '000000' }, userId)).toMatchObject({
        ok: false,
        error: { code: 'two-factor-not-enrolled', kind: 'not-found' },
      });
    const { recoveryCodes } = await enrolTwoFactor(userId);
    expect(await identity.send({ type: 'DisableTwoFactor', code: recoveryCodes[0]! }, userId)).toMatchObject({
      ok: true,
    });
    expect(await identity.result({ type: 'GetProfile' }, userId)).toMatchObject({ twoFactorEnabled: false });
  });

  it('R22: TOTP enrollment publishes TwoFactorEnabled; login then needs the code and the token says otp', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const { recoveryCodes } = await enrolTwoFactor(userId);
    expect(recoveryCodes).toHaveLength(10);
    const challenge = await identity.result<{ status: string; challenge: string }>({
      type: 'Login',
      email: address,
      password: PASSWORD,
    });
    expect(challenge.status).toBe('two-factor-required');
    const session = await identity.result<{ accessToken: string }>({
      type: 'CompleteTwoFactorLogin',
      challenge: challenge.challenge,
      code: recoveryCodes[0]!,
    });
    const claims = JSON.parse(Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString()) as {
      amr: string[];
    };
    expect(claims.amr).toEqual(['pwd', 'otp']);
    await waitFor(() =>
      identity.userEvents.find((e) => e.subject === userId && e.type === 'identity.TwoFactorEnabled.v1'),
    );
  });

  it('R10: deleting an owner needs confirmation; then UserDeleted names the organizations and the address is free', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const orgId = randomUUID();
    await eventStore.client.appendToStream(`organization-${orgId}`, [
      jsonEvent({
        type: 'OrganizationCreated',
        data: {
          orgId,
          name: 'Acme',
          ownerId: userId,
          plan: 'standard',
          actorId: userId,
          at: new Date().toISOString(),
        },
      }),
    ]);
    const session = (await login(address)) as { ok: true; result: { refreshToken: string } };
    expect(
      await identity.send(
        { type: 'DeleteAccount', password: PASSWORD, confirmOwnedOrganizations: false },
        userId,
      ),
    ).toMatchObject({
      ok: false,
      error: {
        code: 'owned-organizations-confirmation-required',
        details: { ownedOrganizationIds: [orgId] },
      },
    });
    expect(
      await identity.send(
        { type: 'DeleteAccount', password: 'not my password', confirmOwnedOrganizations: true },
        userId,
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid-credentials' },
    });
    expect(
      await identity.result(
        { type: 'DeleteAccount', password: PASSWORD, confirmOwnedOrganizations: true },
        userId,
      ),
    ).toEqual({
      deletedOrganizationIds: [orgId],
    });
    const deleted = await waitFor(() =>
      identity.userEvents.find((e) => e.subject === userId && e.type === 'identity.UserDeleted.v1'),
    );
    expect(deleted.data).toMatchObject({ ownedOrganizationIds: [orgId], ownedOrganizationsConfirmed: true });
    expect(await identity.send({ type: 'Refresh', refreshToken: session.result.refreshToken })).toMatchObject(
      { ok: false },
    );
    expect(await login(address)).toMatchObject({ ok: false, error: { code: 'invalid-credentials' } });
    const newUser = await identity.registerVerified(address);
    expect(newUser).not.toBe(userId);
  });

  it('R10: a deletion cut short once recorded (a crash) is finished from its UserErased: sessions, password, second factor, links', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const session = (await login(address)) as { ok: true; result: { accessToken: string } };
    const sessionId = JSON.parse(
      Buffer.from(session.result.accessToken.split('.')[1]!, 'base64url').toString(),
    ).sid as string;
    const sessions = identity.app.get(RefreshTokens);
    expect(await sessions.isSessionActive(sessionId)).toBe(true);
    const twoFactor = identity.app.get(TwoFactorService);
    await twoFactor.enroll(userId, address);
    const links = identity.app.get(OneTimeTokens);
    await links.issue('password-reset', userId);
    const credentials = identity.app.get<CredentialStore>(CREDENTIAL_STORE);
    const twoFactorRecords = identity.app.get<TwoFactorStore>(TWO_FACTOR_STORE);
    expect([await credentials.getHash(userId), await twoFactorRecords.get(userId)]).toEqual([
      expect.any(String),
      expect.objectContaining({ userId }),
    ]);
    // What the deletion records, and nothing of what it does after (the process died there).
    const { vault, addresses } = identity.app.get<PersonalData>(PERSONAL_DATA);
    await identity.app.get(UserAccounts).execute(
      {
        type: 'DeleteUser',
        userId,
        actorId: userId,
        at: new Date().toISOString(),
        ownedOrganizationIds: [],
        ownedOrganizationsConfirmed: false,
        addressKeys: [await vault.liveGeneration(addresses.of('email', address))],
        addressesKeyed: { email: address },
      },
      { commandId: randomUUID() },
    );
    await waitFor(async () => (await credentials.getHash(userId)) === null, {
      what: 'the password hash forgotten from the event',
    });
    await waitFor(async () => (await links.outstanding('password-reset', userId)) === undefined, {
      what: 'the links forgotten',
    });
    expect(await twoFactorRecords.get(userId)).toBeNull();
    expect(await sessions.isSessionActive(sessionId)).toBe(false);
  });

  it('R10: an address change landing while the account is deleted leaves neither address held', async () => {
    const first = email();
    const userId = await identity.registerVerified(first);
    const moved = email();
    await identity.result({ type: 'ChangeEmail', email: moved, password: PASSWORD }, userId);
    const link = await identity.linkToken('verify-email', moved);
    // The change's link is used between the deletion's read of the account and its append (forced here; a user's
    // own commands come one at a time, but a number an invitation proves is taken off another account beside them).
    const accounts = identity.app.get(UserAccounts);
    const execute = accounts.execute.bind(accounts);
    let raced = false;
    const racing = jest.spyOn(accounts, 'execute').mockImplementation(async (command, context) => {
      if (command.type === 'DeleteUser' && !raced) {
        raced = true;
        await identity.app.get(AccountManagement).verifyEmail(link, { commandId: randomUUID() });
      }
      return execute(command, context);
    });
    try {
      expect(
        await identity.send(
          { type: 'DeleteAccount', password: PASSWORD, confirmOwnedOrganizations: false },
          userId,
        ),
      ).toMatchObject({ ok: true });
    } finally {
      racing.mockRestore();
    }
    expect(raced).toBe(true);
    const reservations = identity.app.get(IdentifierReservations);
    expect(await reservations.holderOf('email', moved)).toBeUndefined();
    expect(await reservations.holderOf('email', first)).toBeUndefined();
    // Both addresses are anyone's to register again.
    expect(await identity.registerVerified(moved)).not.toBe(userId);
  });

  /** The account's owner deletes it (from within another request's work, in the race tests below). */
  const deleteAccount = (userId: string) =>
    identity.app
      .get(AccountManagement)
      .deleteAccount(
        userId,
        { password: PASSWORD, confirmOwnedOrganizations: false },
        { commandId: randomUUID() },
      );

  it('R10: a move asked for while the account is deleted leaves no link, and so neither address, behind', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const links = identity.app.get(OneTimeTokens);
    const issue = links.issue.bind(links);
    let raced = false;
    // The deletion lands between the request's issuing of its link and its answer.
    const racing = jest.spyOn(links, 'issue').mockImplementation(async (...args) => {
      const issued = await issue(...args);
      if (args[0] === 'email-change' && !raced) {
        raced = true;
        await deleteAccount(userId);
      }
      return issued;
    });
    try {
      expect(
        await identity.send({ type: 'ChangeEmail', email: email(), password: PASSWORD }, userId),
      ).toMatchObject({ ok: false, error: { code: 'user-not-found' } });
    } finally {
      racing.mockRestore();
    }
    expect(raced).toBe(true);
    expect(await links.outstanding('email-change', userId)).toBeUndefined();
  });

  it('R10, R17: a forgot-password racing the deletion of the account it found keeps no link to the erased address', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const accounts = identity.app.get(UserAccounts);
    const find = accounts.findActiveByEmail.bind(accounts);
    let deleted = false;
    // The account is found, then deleted (its links forgotten) before the reset link is stored.
    const racing = jest.spyOn(accounts, 'findActiveByEmail').mockImplementation(async (...args) => {
      const found = await find(...args);
      if (found?.userId === userId && !deleted) {
        deleted = true;
        await deleteAccount(userId);
      }
      return found;
    });
    try {
      await identity.result({ type: 'ForgotPassword', email: address });
      await waitFor(() => deleted, { what: 'the deletion' });
      await identity.app.get(PasswordManagement).drain();
    } finally {
      racing.mockRestore();
    }
    expect(await identity.app.get(OneTimeTokens).outstanding('password-reset', userId)).toBeUndefined();
  });

  it("a move whose account cannot be read again after its link was made (the store out of reach) keeps the account's links", async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    await identity.result({ type: 'ForgotPassword', email: address });
    const reset = await identity.linkToken('reset-password', address);
    const moved = email();
    const accounts = identity.app.get(UserAccounts);
    const active = accounts.active.bind(accounts);
    const links = identity.app.get(OneTimeTokens);
    const issue = links.issue.bind(links);
    let linked = false;
    let failed = false;
    const issuing = jest.spyOn(links, 'issue').mockImplementation(async (...args) => {
      const issued = await issue(...args);
      linked = linked || args[0] === 'email-change';
      return issued;
    });
    const reading = jest.spyOn(accounts, 'active').mockImplementation(async (id) => {
      if (linked && !failed) {
        failed = true;
        throw new Error('event store unreachable');
      }
      return active(id);
    });
    try {
      // The bus hands the request over again: the retry mails a fresh link, and the account keeps its links.
      expect(
        await identity.send({ type: 'ChangeEmail', email: moved, password: PASSWORD }, userId),
      ).toMatchObject({ ok: true, result: { pendingEmail: moved } });
    } finally {
      issuing.mockRestore();
      reading.mockRestore();
    }
    expect(failed).toBe(true);
    expect(await links.outstanding('email-change', userId)).toMatchObject({ subject: moved });
    expect(
      await identity.send({ type: 'ResetPassword', token: reset, password: 'a brand new passphrase' }),
    ).toMatchObject({ ok: true });
  });

  it('R8: removal from an organization ends none of the member’s sessions: they are no organization’s to end', async () => {
    const address = email();
    const userId = await identity.registerVerified(address);
    const session = (await login(address)) as { ok: true; result: { sessionId: string } };
    const orgId = randomUUID();
    const membershipEvent = (type: string, revision: string) =>
      eventMessage(
        TOPICS.membershipOrganizations,
        organizationEvent(type, orgId, { userId }, { revision, test: 'identity-commands' }),
      );
    // The removal, then (same organization, so handled after it) a reset request whose mail shows both were handled.
    await identity.bus.publish([
      membershipEvent('MemberRemoved', '3'),
      membershipEvent('PasswordResetRequested', '4'),
    ]);
    expect(await identity.linkToken('reset-password', address)).toEqual(expect.any(String));
    expect(
      await identity.result<{ active: boolean }>({
        type: 'SessionActive',
        sessionId: session.result.sessionId,
      }),
    ).toMatchObject({ active: true });
  });
});

/**
 * The previous step's code is taken only until the current step ends: a test that sends one waits, near that end, for
 * the next step, or a slow round trip lands past it.
 */
function awayFromStepEnd(): Promise<void> {
  return withinOneWindow(5_000, 30_000);
}
