import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { type InvitationDescription } from '@app/contracts';
import { DomainError, isDomainError } from '@app/domain';
import { parseEmail, parsePhone } from '@app/identifiers';
import { type CredentialStore } from '../credentials/credential.store';
import { type PasswordHasher } from '../credentials/password-hasher';
import { type PasswordPolicy } from '../credentials/password-policy';
import { type InvitationDirectory } from '../invitations/membership-invitations';
import { type IdentityMail } from '../notifying/identity-mail';
import { type OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { type UserCommand } from '../users/user.commands';
import { userDecider, type ActiveUser } from '../users/user.decider';
import { type ReservationKind } from '../users/reservation.decider';
import { type IdentifierReservations } from './identifier-reservations';
import { LookAlikeTiming } from './look-alike-timing';
import { type UserAccounts } from './user-accounts';
import { type AccountManagement } from './account-management';
import { type MailQuota } from '../throttling/mail-quota';

const USER_ID_NAMESPACE = '6f1c3c0e-5d4e-4f0a-9a57-2f3f8f1f0b7e';

/** The user id a registration under this command id makes (a retried registration lands on the same user). */
export function registeredUserId(commandId: string): string {
  return uuidv5(commandId, USER_ID_NAMESPACE);
}

export interface RegistrationInput {
  readonly commandId: string;
  readonly correlationId?: string;
  readonly name: string;
  readonly email: string;
  readonly password: string;
  readonly phone?: string;
  readonly locale?: string;
}

export interface InvitationRegistrationInput extends Omit<RegistrationInput, 'email'> {
  readonly token: string;
  readonly termsAccepted: boolean;
  /** Only for an invitation sent to a phone number: the address to sign in with (unverified). */
  readonly email?: string;
}

/** The answer to every self-registration, new address or not, so registration cannot be used to find accounts. */
export const REGISTRATION_ACCEPTED = { status: 'accepted' } as const;

export interface RegistrationDependencies {
  readonly accounts: UserAccounts;
  readonly reservations: IdentifierReservations;
  readonly credentials: CredentialStore;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  readonly verificationLinks: OneTimeTokens;
  readonly mail: IdentityMail;
  readonly invitations: InvitationDirectory;
  /** Deletes an account whose registration lost what it reserved to another registration (see `create`). */
  readonly withdrawals: Pick<AccountManagement, 'withdrawRegistration'>;
  /** A few unasked-for mails an hour per address (the "you already have an account" mail here). */
  readonly mailQuota: MailQuota;
  readonly now?: () => Date;
  /** Makes a registration of a taken address take as long as one that creates an account. */
  readonly timing?: LookAlikeTiming;
}

/**
 * Registration, in an order that leaves nothing half-written: validate everything, hash, reserve the e-mail (then the
 * phone), store the hash, and only then append UserRegistered. A failure after a reservation releases it; a crash
 * there leaves a reservation without a user, which the next registration of that address takes over.
 */
export class Registration {
  private readonly now: () => Date;
  private readonly timing: LookAlikeTiming;

  constructor(private readonly deps: RegistrationDependencies) {
    this.now = deps.now ?? (() => new Date());
    this.timing = deps.timing ?? new LookAlikeTiming();
  }

  /** Self-registration. An address that already has an account gets a "you already have an account" e-mail. */
  async register(input: RegistrationInput): Promise<typeof REGISTRATION_ACCEPTED> {
    const started = this.timing.start();
    const command = this.registerCommand(input, input.email);
    const created = await this.create(input, command);
    if (created === 'email-taken') {
      if (await this.deps.mailQuota.allows(command.email, 'account-exists'))
        await this.deps.mail.send({
          template: 'account-exists',
          to: command.email,
          ...(command.locale ? { locale: command.locale } : {}),
          ...correlation(input),
        });
      // A new account takes a few more writes than a taken address: the answer waits as long as one took.
      await this.timing.imitate(started);
      return REGISTRATION_ACCEPTED;
    }
    // A repeated registration (the same request and key) sends the link again, as a resend would: within the quota,
    // and only while the address is unverified, or repeating it would mail anyone as often as asked.
    if (created === 'repeated-verified') return REGISTRATION_ACCEPTED;
    if (created === 'repeated' && !(await this.deps.mailQuota.allows(command.email, 'verification-link')))
      return REGISTRATION_ACCEPTED;
    await this.deps.mail.sendVerificationLink(this.deps.verificationLinks, command, input.correlationId);
    if (created === 'created') this.timing.record(started);
    return REGISTRATION_ACCEPTED;
  }

  /**
   * R5, a new user: the invitation link proves the address it was sent to, so the account starts verified and the
   * UserRegistered event names the invitation, which membership then accepts for the new user. However many
   * redemptions race, the address is reserved once: one account, one acceptance.
   */
  async registerFromInvitation(
    input: InvitationRegistrationInput,
  ): Promise<{ userId: string; orgId: string; invitationId: string }> {
    if (input.termsAccepted !== true)
      throw new DomainError('terms-not-accepted', 'validation', 'the terms must be accepted', {
        field: 'termsAccepted',
      });
    // A retry of this very request (its command id names the account it made) finds the invitation accepted by it.
    const invitation = await this.deps.invitations.describe(input.token, {
      acceptedBy: registeredUserId(input.commandId),
    });
    if (invitation.status === 'accepted') {
      const userId = registeredUserId(input.commandId);
      // An account deleted since has nothing left to answer with: the link is spent.
      if ((await this.deps.accounts.load(userId)).status !== 'active') throw linkSpent();
      return { userId, orgId: invitation.orgId, invitationId: invitation.invitationId };
    }
    // What the link was sent to is what the account takes: another address or number typed in is refused, not dropped.
    for (const [field, parse, what] of [
      ['email', parseEmail, 'address'],
      ['phone', parsePhone, 'number'],
    ] as const) {
      const [typed, invited] = [input[field], invitation[field]];
      if (invited !== undefined && typed !== undefined && !same(parse, typed, invited))
        throw new DomainError(
          `${field}-not-invited`,
          'validation',
          `the invitation was sent to another ${what}: the account is made with that one (leave ${field} out)`,
          { field },
        );
    }
    const email = invitation.email ?? input.email;
    if (!email)
      throw new DomainError('email-required', 'validation', 'an e-mail address is required to sign in with', {
        field: 'email',
      });
    // The link proves the number it was sent to as it proves an address: the account takes it.
    const phone = invitation.phone ?? input.phone;
    const command: UserCommand & { type: 'RegisterUser' } = {
      ...this.registerCommand({ ...input, ...(phone ? { phone } : {}) }, email),
      invitation: {
        orgId: invitation.orgId,
        invitationId: invitation.invitationId,
        sendSequence: invitation.sendSequence,
      },
      emailVerified: invitation.email !== undefined,
    };
    // A number the invitation went to is proven by its link, as an address is: one that another account only
    // claims (phone numbers are never verified) is taken from that account, so its real owner can join.
    const created = await this.create(input, command, {
      phoneProven: invitation.phone !== undefined,
      invitation: invitationClaim(invitation),
    });
    if (created === 'email-taken')
      throw new DomainError(
        'account-exists',
        'conflict',
        'an account with this address exists; sign in to accept the invitation',
        { field: 'email' },
      );
    // Invited by phone, the address was only typed in: its owner is asked to verify it (and told what to do if they
    // did not register), as after a self-registration.
    if (!command.emailVerified)
      await this.deps.mail.sendVerificationLink(this.deps.verificationLinks, command, input.correlationId);
    return { userId: command.userId, orgId: invitation.orgId, invitationId: invitation.invitationId };
  }

  /** R5, an existing user: signed in, they accept an invitation sent to their own address (or phone). */
  async acceptAsExistingUser(
    userId: string,
    token: string,
    commandId: string,
  ): Promise<{ orgId: string; invitationId: string; revision: string | null }> {
    const user = await this.deps.accounts.active(userId);
    const invitation = await this.deps.invitations.describe(token, { acceptedBy: userId });
    if (invitation.status === 'accepted') return this.acceptedAgain(invitation, user, commandId);
    // A new account made from this link holds it (membership accepts for it in a moment): the link is spent.
    const claimant = await this.deps.reservations.holderOf('invitation', invitationClaim(invitation));
    if (
      claimant !== undefined &&
      claimant !== userId &&
      (await this.deps.accounts.load(claimant)).status === 'active'
    )
      throw linkSpent();
    // The account's address names the invitee only once it is proven: anyone can set theirs to the invited one.
    if (invitation.email !== undefined && !user.emailVerified)
      throw new DomainError(
        'email-not-verified',
        'rule-violation',
        'verify your e-mail address (the link mailed to it) before accepting an invitation sent to it',
      );
    const result = await this.deps.invitations.accept(
      invitation,
      { userId, email: user.email, ...(user.phone ? { phone: user.phone } : {}) },
      commandId,
    );
    return { orgId: invitation.orgId, invitationId: invitation.invitationId, ...result };
  }

  /**
   * An invitation this user accepted: the retry of that acceptance (its command id) is answered as the first time,
   * anything else as a spent link.
   */
  private async acceptedAgain(
    invitation: InvitationDescription,
    user: ActiveUser,
    commandId: string,
  ): Promise<{ orgId: string; invitationId: string; revision: string | null }> {
    // The acceptance named the invitation's own address (the account's then): the account's may have changed since.
    const email = invitation.email ?? user.email;
    const phone = invitation.phone ?? user.phone;
    try {
      const result = await this.deps.invitations.accept(
        invitation,
        { userId: user.userId, email, ...(phone ? { phone } : {}) },
        commandId,
        { repeatOnly: true },
      );
      return { orgId: invitation.orgId, invitationId: invitation.invitationId, ...result };
    } catch (error) {
      if (isDomainError(error) && error.code === 'command-not-recorded') throw linkSpent();
      throw error;
    }
  }

  /** The domain's own validation, run before any side effect (a dry run against an empty stream). */
  private registerCommand(
    input: Pick<RegistrationInput, 'commandId' | 'name' | 'phone' | 'locale' | 'password'>,
    email: string,
  ): UserCommand & { type: 'RegisterUser' } {
    const command = {
      type: 'RegisterUser' as const,
      // From the command id: a retried registration lands on the same user and converges.
      userId: registeredUserId(input.commandId),
      actorId: registeredUserId(input.commandId),
      at: this.now().toISOString(),
      name: input.name,
      email,
      ...(input.phone !== undefined ? { phone: input.phone } : {}),
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
    };
    const [registered] = userDecider.decide(command, userDecider.initialState());
    const data = (registered as { data: { email: string; name: string; locale?: string } }).data;
    this.deps.policy.assert(input.password, { email: data.email });
    return {
      ...command,
      email: data.email,
      name: data.name,
      ...(data.locale ? { locale: data.locale } : {}),
    };
  }

  /** The number leaves the account that only claimed it: off its profile (if still there), and its reservation. */
  private async takePhoneFrom(holder: string, phone: string, commandId: string): Promise<void> {
    const context = { commandId: `${commandId}/phone-proven-by-invitation` };
    const state = await this.deps.accounts.load(holder);
    if (state.status === 'active' && state.phone === phone)
      await this.deps.accounts.execute(
        {
          type: 'UpdateProfile',
          userId: holder,
          actorId: 'system',
          at: this.now().toISOString(),
          phone: null,
        },
        context,
      );
    await this.deps.reservations.release('phone', phone, holder, context.commandId);
  }

  /**
   * With `invitation`, the account is made from that invitation's link: it claims the invitation first, so of any
   * number of redemptions racing (by phone, each typing an address of their own) one makes an account and the rest
   * are told the link is spent, with nothing written for them.
   */
  private async create(
    input: Pick<RegistrationInput, 'commandId' | 'correlationId' | 'password'>,
    command: UserCommand & { type: 'RegisterUser' },
    { phoneProven = false, invitation }: { phoneProven?: boolean; invitation?: string } = {},
  ): Promise<'created' | 'repeated' | 'repeated-verified' | 'email-taken'> {
    const { reservations, credentials, accounts } = this.deps;
    // Hashed whether or not the address is free (and `register` waits out the rest of a new account's time).
    const hash = await this.deps.hasher.hash(input.password);
    // The user id comes from the command id. An account already there is a retry of its own registration (nothing to
    // do: above all, its password is never set again) or another request under a reused id, refused untouched.
    const existing = await accounts.load(command.userId);
    if (existing.status !== 'none') {
      if (existing.status === 'active' && existing.email === command.email) {
        // Its first try recorded the account but failed to withdraw it (below): the address is someone else's.
        const holder = await reservations.holderOf('email', command.email);
        if (holder !== undefined && holder !== command.userId) {
          await this.withdraw(command.userId, input.commandId);
          return 'email-taken';
        }
        return existing.emailVerified ? 'repeated-verified' : 'repeated';
      }
      // Withdrawn by its first try: answered as that try was, for a taken address.
      if (
        existing.status === 'deleted' &&
        (await accounts.applied(command.userId, withdrawal(input.commandId)))
      )
        return 'email-taken';
      throw new DomainError('command-id-reused', 'conflict', 'this command id was used for another command', {
        commandId: input.commandId,
      });
    }
    // Registration never tells whether a number is taken, as it never tells of an address (the answer is the same):
    // one another account holds is left off the new account, unless an invitation's link proved it theirs, when it
    // is taken from that account. Their profile then shows no number; adding it there, signed in,
    // says whether it is free.
    const phoneHolder =
      command.phone && phoneProven ? await reservations.holderOf('phone', command.phone) : undefined;
    let registered = command;
    let reserved: Reserved[] = [];
    const undo = () => this.releaseUnlessRegistered(command.userId, reserved, input.commandId);
    if (invitation !== undefined) {
      try {
        const since = await reservations.reserve('invitation', invitation, command.userId, input.commandId);
        reserved.push({ kind: 'invitation', value: invitation, since });
      } catch (error) {
        if (isDomainError(error) && error.code === 'invitation-taken') throw linkSpent();
        throw error;
      }
    }
    try {
      const since = await reservations.reserve('email', command.email, command.userId, input.commandId);
      reserved.push({ kind: 'email', value: command.email, since });
    } catch (error) {
      await undo();
      if (isDomainError(error) && error.code === 'email-taken') return 'email-taken';
      throw error;
    }
    try {
      if (command.phone) {
        if (phoneHolder !== undefined && phoneHolder !== command.userId)
          await this.takePhoneFrom(phoneHolder, command.phone, input.commandId);
        const since = await this.reservePhone(command, input.commandId, phoneProven);
        if (since !== undefined) reserved.push({ kind: 'phone', value: command.phone, since });
        else registered = withoutPhone(command);
      }
      await credentials.setHash(command.userId, hash, this.now());
      // Reserved again just before the append: a reservation a minute old counts as left behind (see
      // IdentifierReservations), so a registration that stalled since it reserved (a paused process, a store that
      // hung) restarts that minute here, or finds what another registration took over meanwhile and records nothing.
      const lostBefore = await this.renew(
        command.userId,
        reserved,
        `${input.commandId}/before-${randomUUID()}`,
      );
      if (lostBefore.some((kind) => kind !== 'phone')) {
        await undo();
        if (lostBefore.includes('invitation')) throw linkSpent();
        return 'email-taken';
      }
      const phone = reserved.find((r) => r.kind === 'phone');
      if (phone && lostBefore.includes('phone') && phoneProven) {
        // The invitation's link proved the number (membership admits by it): taken back, as it was taken at first.
        const holder = await reservations.holderOf('phone', phone.value);
        if (holder !== undefined && holder !== command.userId)
          await this.takePhoneFrom(holder, phone.value, `${input.commandId}/taken-back-${randomUUID()}`);
        phone.since = await reservations.reserve('phone', phone.value, command.userId, input.commandId);
      } else if (lostBefore.includes('phone')) {
        registered = withoutPhone(registered);
        reserved = reserved.filter((r) => r.kind !== 'phone');
      }
      await accounts.execute(registered, { commandId: input.commandId, ...correlation(input) });
      // Another delivery of this very request (the same account) may have failed meanwhile and undone what both
      // reserved, having read no account yet: the account holds them again (renewing them when nobody let go). An
      // append that itself stalled for a minute may find them taken over instead: the account then gives way.
      const lostAfter = await this.renew(command.userId, reserved, `${input.commandId}/held-${randomUUID()}`);
      return await this.giveWay(command.userId, lostAfter, input.commandId);
    } catch (error) {
      await undo();
      throw error;
    }
  }

  /** Reserves again what the registration reserved (renewing its minute); the kinds another account holds now. */
  private async renew(userId: string, reserved: Reserved[], commandId: string): Promise<ReservationKind[]> {
    const lost: ReservationKind[] = [];
    for (const entry of reserved)
      try {
        entry.since = await this.deps.reservations.reserve(entry.kind, entry.value, userId, commandId);
      } catch (error) {
        if (!isDomainError(error) || error.code !== `${entry.kind}-taken`) throw error;
        lost.push(entry.kind);
      }
    return lost;
  }

  /**
   * A recorded account that lost what it reserved to another registration gives way: a lost number is left off it; a
   * lost address or link deletes it (the other account keeps them), and it is answered as a taken address or a spent
   * link.
   */
  private async giveWay(
    userId: string,
    lost: ReservationKind[],
    commandId: string,
  ): Promise<'created' | 'email-taken'> {
    if (lost.includes('phone') && !lost.some((kind) => kind !== 'phone'))
      await this.dropPhone(userId, commandId);
    if (!lost.some((kind) => kind !== 'phone')) return 'created';
    await this.withdraw(userId, commandId);
    if (lost.includes('invitation')) throw linkSpent();
    return 'email-taken';
  }

  private withdraw(userId: string, commandId: string): Promise<void> {
    return this.deps.withdrawals.withdrawRegistration(userId, { commandId: withdrawal(commandId) });
  }

  /** A number another account took over meanwhile is left off this one, as one taken before would have been. */
  private async dropPhone(userId: string, commandId: string): Promise<void> {
    await this.deps.accounts.execute(
      { type: 'UpdateProfile', userId, actorId: 'system', at: this.now().toISOString(), phone: null },
      { commandId: `${commandId}/phone-taken-over` },
    );
  }

  /**
   * What a failed registration reserved is released: only the reservations it made (another delivery of the same
   * request may have reserved since). Not when the account was recorded after all (the append landed, its answer
   * was lost), or cannot be read to tell: it holds what was reserved for it.
   */
  private async releaseUnlessRegistered(
    userId: string,
    reserved: Reserved[],
    commandId: string,
  ): Promise<void> {
    if (reserved.length === 0) return;
    const recorded = await this.deps.accounts.load(userId).then(
      (account) => account.status !== 'none',
      () => true,
    );
    if (recorded) return;
    // A release of one's own reservation is safe to repeat; an id of its own each time, since the same request may
    // have reserved it again since (a redelivery), and a release under the first undo's id would be taken for that.
    const undo = `${commandId}/undo-${randomUUID()}`;
    for (const { kind, value, since } of reserved)
      await this.deps.reservations.release(kind, value, userId, undo, since).catch(() => undefined);
    // Another delivery of this request may have made the account meanwhile: released first and read after (as it
    // appends first and reserves after), one of the two sees the other, and the account keeps what it holds, or
    // gives way when another registration took it in between.
    const account = await this.deps.accounts.load(userId).catch(() => undefined);
    if (account !== undefined && account.status !== 'active') return;
    // Only what the account still has (it may have changed its address or number since it was made); all of it when
    // the account cannot be read to tell, as it may be there.
    const still =
      account === undefined
        ? reserved
        : reserved.filter(
            ({ kind, value }) =>
              kind === 'invitation' || (kind === 'email' ? account.email : account.phone) === value,
          );
    await this.renew(userId, still, `${commandId}/held-${randomUUID()}`)
      .then((lost) => this.giveWay(userId, lost, commandId))
      .catch(() => undefined);
  }

  /**
   * Undefined when another account holds the number, from before or by winning a race for it (the reservation
   * decides): then it is left off. A number an invitation proved is not given up that way. Else when it was reserved.
   */
  private async reservePhone(
    command: RegisterUser,
    commandId: string,
    proven: boolean,
  ): Promise<string | undefined> {
    try {
      return await this.deps.reservations.reserve('phone', command.phone!, command.userId, commandId);
    } catch (error) {
      if (!proven && isDomainError(error) && error.code === 'phone-taken') return undefined;
      throw error;
    }
  }
}

type RegisterUser = UserCommand & { type: 'RegisterUser' };

/** What a registration reserved, and when (the reservation it made, which its undo alone releases). */
interface Reserved {
  readonly kind: ReservationKind;
  readonly value: string;
  since: string;
}

/** The command id of the deletion that withdraws a registration's account (see `giveWay`). */
function withdrawal(commandId: string): string {
  return `${commandId}/withdrawn`;
}

function withoutPhone(command: RegisterUser): RegisterUser {
  const { phone: _leftOff, ...rest } = command;
  return rest;
}

function correlation(input: { correlationId?: string }): { correlationId?: string } {
  return input.correlationId ? { correlationId: input.correlationId } : {};
}

/**
 * What a new account made from an invitation's link reserves (invitation ids are unique across organizations). Each
 * link has its own: one sent again is not spent by an account made from the link it replaced, which membership refuses.
 */
function invitationClaim(
  invitation: Pick<InvitationDescription, 'orgId' | 'invitationId' | 'sendSequence'>,
): string {
  return `${invitation.orgId}/${invitation.invitationId}/${invitation.sendSequence}`;
}

/** R5: the invitation was accepted, and this request is not the retry of that acceptance. */
function linkSpent(): DomainError {
  return new DomainError('invitation-already-accepted', 'gone', 'this invitation was already accepted');
}

/** The address or number typed is the invited one, however it was written (case, spaces); a malformed one is not. */
function same(parse: (typed: string) => string, typed: string, invited: string): boolean {
  try {
    return parse(typed) === invited;
  } catch (error) {
    if (isDomainError(error)) return false;
    throw error;
  }
}
