import { randomUUID } from 'node:crypto';
import { AggregateStore } from '@app/event-store';
import { type PersonalData } from '@app/personal-data';
import { PERSONAL_DATA } from '@app/platform';
import { waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { startIdentity, type IdentityHarness } from '../commands/identity-harness.testing';
import { type CredentialStore } from '../credentials/credential.store';
import { PasswordHasher } from '../credentials/password-hasher';
import { PasswordPolicy } from '../credentials/password-policy';
import { MembershipInvitations } from '../invitations/membership-invitations';
import { CREDENTIAL_STORE } from '../modules/identity-tokens';
import { IdentityMail } from '../notifying/identity-mail';
import { OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { MailQuota } from '../throttling/mail-quota';
import { AccountManagement } from './account-management';
import { IdentifierReservations } from './identifier-reservations';
import {
  Registration,
  registeredUserId,
  type RegistrationDependencies,
  type RegistrationInput,
} from './registration';
import { UserAccounts } from './user-accounts';

const PASSWORD = 'correct horse battery staple';

/**
 * A registration that stalls for over a minute after reserving its address (a paused process, a store that hangs)
 * loses the address to the next registration of it, which takes a reservation without an account over. When the
 * stalled one goes on and records its account, that account must give way: one account per address, whatever the
 * timing. Identity runs whole on the event store; the registrations under test read a clock the test moves, and the
 * first one's password write waits until the test lets it go.
 */
describe('one account per address: a registration that stalled past its reservation’s minute', () => {
  const eventStore = useTestEventStore();
  let identity: IdentityHarness;
  let accounts: UserAccounts;
  let credentials: CredentialStore;
  let withdrawals: AccountManagement;
  let clock: Date;
  let registration: Registration;
  let dependencies: RegistrationDependencies;
  /** Where a registration stops until the test lets it go on. */
  type StallPoint = 'storing its password' | 'recording its account';
  /** The user ids whose registration stops, where, each until its release. */
  const stalled = new Map<string, { at: StallPoint; reached: () => void; release: Promise<void> }>();
  const stopIfStalled = async (userId: string, at: StallPoint) => {
    const stall = stalled.get(userId);
    if (stall?.at !== at) return;
    stalled.delete(userId);
    stall.reached();
    await stall.release;
  };

  beforeAll(async () => {
    identity = await startIdentity(eventStore.store.connectionString);
    const get = <T>(token: unknown) => identity.app.get<T>(token as string, { strict: false });
    accounts = get(UserAccounts);
    credentials = get(CREDENTIAL_STORE);
    withdrawals = get(AccountManagement);
    const store = get<AggregateStore>(AggregateStore);
    const reservations = new IdentifierReservations(
      store,
      get<PersonalData>(PERSONAL_DATA).pseudonyms,
      () => clock,
    );
    const setHash = credentials.setHash.bind(credentials);
    jest.spyOn(credentials, 'setHash').mockImplementation(async (userId, ...rest) => {
      await stopIfStalled(userId, 'storing its password');
      return setHash(userId, ...rest);
    });
    const execute = accounts.execute.bind(accounts);
    jest.spyOn(accounts, 'execute').mockImplementation(async (command, context) => {
      if (command.type === 'RegisterUser') await stopIfStalled(command.userId, 'recording its account');
      return execute(command, context);
    });
    dependencies = {
      accounts,
      reservations,
      credentials,
      withdrawals,
      hasher: get(PasswordHasher),
      policy: get(PasswordPolicy),
      verificationLinks: get(OneTimeTokens),
      mail: get(IdentityMail),
      invitations: get(MembershipInvitations),
      mailQuota: get(MailQuota),
      now: () => clock,
    };
    registration = new Registration(dependencies);
  }, 60_000);
  afterAll(() => identity?.close());
  beforeEach(() => {
    clock = new Date();
  });

  const input = (email: string, phone?: string): RegistrationInput => ({
    commandId: randomUUID(),
    name: 'Ada',
    email,
    password: PASSWORD,
    ...(phone ? { phone } : {}),
  });
  const unique = () => randomUUID().slice(0, 8);
  /** Starts `registering`, resolved once it stopped at `at`; it goes on when `goOn` is called. */
  async function stalledAt<T>(at: StallPoint, commandId: string, registering: () => Promise<T>) {
    let reached!: () => void;
    let goOn!: () => void;
    const stopped = new Promise<void>((resolve) => (reached = resolve));
    stalled.set(registeredUserId(commandId), {
      at,
      reached,
      release: new Promise<void>((resolve) => (goOn = resolve)),
    });
    const answer = registering();
    await stopped;
    return { answer, goOn };
  }
  const stalledRegistration = (at: StallPoint, registering: RegistrationInput) =>
    stalledAt(at, registering.commandId, () => registration.register(registering));
  const mailsTo = (to: string, template: string) =>
    identity.mails.filter((m) => m.data.to === to && m.data.template === template);
  const phoneNumber = () => `+1415557${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
  /** Registration from the link of a pending invitation sent to `phone` (membership's directory stands in here). */
  const registrationFromLinkTo = (phone: string) => {
    const invitation = {
      invitationId: randomUUID(),
      orgId: randomUUID(),
      orgName: 'Acme',
      phone,
      role: 'user',
      status: 'pending' as const,
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      sendSequence: 1,
    };
    return new Registration({
      ...dependencies,
      invitations: { describe: () => Promise.resolve(invitation) } as unknown as MembershipInvitations,
    });
  };
  const redeem = (email: string) => ({ ...input(email), token: 'the link’s token', termsAccepted: true });
  const afterAMinute = () => (clock = new Date(clock.getTime() + 61_000));
  const holderOf = (kind: 'email' | 'phone', value: string) =>
    identity.app.get(IdentifierReservations, { strict: false }).holderOf(kind, value);
  const statusOf = async (commandId: string) => (await accounts.load(registeredUserId(commandId))).status;

  it.each([
    [
      'storing its password',
      'records no account: it finds the address taken when it reserves again first',
      'none',
    ],
    ['recording its account', 'withdraws the account it recorded meanwhile', 'deleted'],
  ] as const)(
    'stalled while %s, it %s; the address stays with the registration that took it over',
    async (at, _outcome, status) => {
      const email = `stall-${unique()}@example.com`;
      const [first, second] = [input(email), input(email)];
      const stalledFirst = await stalledRegistration(at, first);
      afterAMinute();
      await registration.register(second);
      expect(await statusOf(second.commandId)).toBe('active');

      stalledFirst.goOn();
      // Answered as every registration is, whatever happened: the address's owner is mailed that it has an account.
      expect(await stalledFirst.answer).toEqual({ status: 'accepted' });
      expect(await statusOf(first.commandId)).toBe(status);
      const holder = registeredUserId(second.commandId);
      expect((await accounts.findActiveByEmail(email))?.userId).toBe(holder);
      // The withdrawn account's erasure destroyed its own key only: the address it shared is still readable.
      expect((await accounts.active(holder)).email).toBe(email);
      if (status === 'deleted')
        expect(await credentials.getHash(registeredUserId(first.commandId))).toBeNull();
      await waitFor(() => mailsTo(email, 'account-exists').length > 0 || undefined, {
        what: 'account-exists',
      });
      expect(mailsTo(email, 'verify-email')).toHaveLength(1);
      const signedIn = await identity.send({ type: 'Login', email, password: PASSWORD, ip: '10.9.8.7' });
      expect(signedIn).toMatchObject({ ok: true });
    },
  );

  it('a retry of it after the withdrawal failed withdraws it then; a retry after that is answered the same', async () => {
    const email = `stall-retry-${unique()}@example.com`;
    const [first, second] = [input(email), input(email)];
    const stalledFirst = await stalledRegistration('recording its account', first);
    afterAMinute();
    await registration.register(second);
    const failing = jest
      .spyOn(withdrawals, 'withdrawRegistration')
      .mockRejectedValueOnce(new Error('the event store is out of reach'));
    stalledFirst.goOn();
    await expect(stalledFirst.answer).rejects.toThrow('the event store is out of reach');
    failing.mockRestore();
    expect(await statusOf(first.commandId)).toBe('active');

    expect(await registration.register(first)).toEqual({ status: 'accepted' });
    expect(await statusOf(first.commandId)).toBe('deleted');
    expect(await statusOf(second.commandId)).toBe('active');
    expect((await accounts.findActiveByEmail(email))?.userId).toBe(registeredUserId(second.commandId));
    // Withdrawn: a retry of the same request is answered as before, not as a reused command id.
    expect(await registration.register(first)).toEqual({ status: 'accepted' });
  });

  it('R5: an invitation’s link taken over while the account was being recorded withdraws it: the link is spent', async () => {
    // Sent to a phone number, so each registration from it types an address of its own.
    const fromLink = registrationFromLinkTo(phoneNumber());
    const [first, second] = [
      redeem(`stall-link-a-${unique()}@example.com`),
      redeem(`stall-link-b-${unique()}@example.com`),
    ];
    const stalledFirst = await stalledAt('recording its account', first.commandId, () =>
      fromLink.registerFromInvitation(first),
    );
    afterAMinute();
    await fromLink.registerFromInvitation(second);

    stalledFirst.goOn();
    await expect(stalledFirst.answer).rejects.toMatchObject({ code: 'invitation-already-accepted' });
    expect(await statusOf(first.commandId)).toBe('deleted');
    expect(await statusOf(second.commandId)).toBe('active');
    // What the withdrawn account held is free again: its own address.
    expect(await accounts.findActiveByEmail(first.email)).toBeUndefined();
    expect(await holderOf('email', first.email)).toBeUndefined();
  });

  it('R5: a number an invitation proved, taken over while the account was being made, is taken back', async () => {
    const phone = phoneNumber();
    const fromLink = registrationFromLinkTo(phone);
    const invited = redeem(`stall-proven-${unique()}@example.com`);
    const stalledInvitee = await stalledAt('storing its password', invited.commandId, () =>
      fromLink.registerFromInvitation(invited),
    );
    afterAMinute();
    const claimant = input(`stall-claims-${unique()}@example.com`, phone);
    await registration.register(claimant);
    expect(await holderOf('phone', phone)).toBe(registeredUserId(claimant.commandId));

    stalledInvitee.goOn();
    await stalledInvitee.answer;
    const [invitee, other] = await Promise.all(
      [invited, claimant].map((r) => accounts.active(registeredUserId(r.commandId))),
    );
    expect(invitee!.phone).toBe(phone);
    expect(other!.phone).toBeUndefined();
    expect(await holderOf('phone', phone)).toBe(invitee!.userId);
  });

  it('R5: a proven number is not taken back for a registration that lost its address too: it records nothing', async () => {
    const phone = phoneNumber();
    const fromLink = registrationFromLinkTo(phone);
    const invited = redeem(`stall-both-${unique()}@example.com`);
    const stalledInvitee = await stalledAt('storing its password', invited.commandId, () =>
      fromLink.registerFromInvitation(invited),
    );
    afterAMinute();
    const claimant = input(invited.email, phone);
    await registration.register(claimant);

    stalledInvitee.goOn();
    await expect(stalledInvitee.answer).rejects.toMatchObject({ code: 'account-exists' });
    expect(await statusOf(invited.commandId)).toBe('none');
    const kept = await accounts.active(registeredUserId(claimant.commandId));
    expect(kept.phone).toBe(phone);
    expect(await holderOf('phone', phone)).toBe(kept.userId);
  });

  it.each(['storing its password', 'recording its account'] as const)(
    'a phone number taken over while %s is left off its account, which keeps its own address',
    async (at) => {
      const phone = `+1415556${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
      const [first, second] = [
        input(`stall-phone-a-${unique()}@example.com`, phone),
        input(`stall-phone-b-${unique()}@example.com`, phone),
      ];
      const stalledFirst = await stalledRegistration(at, first);
      afterAMinute();
      await registration.register(second);

      stalledFirst.goOn();
      await stalledFirst.answer;
      const [kept, taker] = await Promise.all(
        [first, second].map((r) => accounts.active(registeredUserId(r.commandId))),
      );
      expect(kept).toMatchObject({ email: first.email });
      expect(kept!.phone).toBeUndefined();
      expect(taker!.phone).toBe(phone);
      expect(await holderOf('phone', phone)).toBe(taker!.userId);
      expect(await holderOf('email', first.email)).toBe(kept!.userId);
    },
  );
});
