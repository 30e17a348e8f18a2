import { type EmailChangePending, type Profile } from '@app/contracts';
import { DomainError, isDomainError } from '@app/domain';
import { commandFingerprint, type AppliedCommand, type InMemoryIndex } from '@app/event-store';
import { type PersonalData } from '@app/personal-data';
import { type CredentialStore } from '../credentials/credential.store';
import { type PasswordHasher } from '../credentials/password-hasher';
import { type IdentityMail } from '../notifying/identity-mail';
import {
  invalidLink,
  type OneTimeTokens,
  type RedeemedOneTimeToken,
} from '../one-time-tokens/one-time-tokens';
import { type RefreshTokens } from '../sessions/refresh-tokens';
import { type TwoFactorService } from '../two-factor/two-factor.service';
import { parseEmail } from '@app/identifiers';
import { parseName, refuseWhileLocked, type ActiveUser } from '../users/user.decider';
import { type IdentifierReservations } from './identifier-reservations';
import { type OwnedOrganizations } from './owned-organizations';
import { commandIdReused, type CommandContext, type UserAccounts } from './user-accounts';
import { forgetSecretsOf } from './erased-account-secrets';
import { passwordConfirmed } from '../credentials/password-confirmation';
import { type LoginThrottle } from '../throttling/login-throttle';
import { AfterAnswer } from '../shared/after-answer';
import { type MailQuota } from '../throttling/mail-quota';

export interface AccountManagementDependencies {
  readonly accounts: UserAccounts;
  readonly reservations: IdentifierReservations;
  readonly credentials: CredentialStore;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
  readonly verificationLinks: OneTimeTokens;
  readonly refreshTokens: RefreshTokens;
  readonly twoFactor: TwoFactorService;
  readonly mail: IdentityMail;
  readonly ownedOrganizations: { index: OwnedOrganizations; follower: InMemoryIndex };
  /** Whose keys erasure destroys: the user's own, and those of their addresses. */
  readonly personalData: PersonalData;
  readonly now?: () => Date;
  /** A few unasked-for mails an hour per address (resent verification links). */
  readonly mailQuota: MailQuota;
  /** Where a verification link that could not be sent after the answer is reported. */
  readonly onBackgroundError?: (error: unknown) => void;
}

export type { EmailChangePending, Profile };

export function profileOf(user: ActiveUser, revision?: bigint): Profile {
  return {
    userId: user.userId,
    name: user.name,
    email: user.email,
    emailVerified: user.emailVerified,
    ...(user.phone ? { phone: user.phone } : {}),
    ...(user.locale ? { locale: user.locale } : {}),
    twoFactorEnabled: user.twoFactorEnabled,
    ...(revision !== undefined ? { revision: String(revision) } : {}),
  };
}

/** How often a deletion is decided again when the account's address changed while it was read. */
const DELETION_ATTEMPTS = 3;
/** The account's own lifecycle after registration: verification (R18), profile, e-mail change, deletion (R10), locks. */
export class AccountManagement {
  private readonly now: () => Date;
  private readonly afterAnswer: AfterAnswer;

  constructor(private readonly deps: AccountManagementDependencies) {
    this.now = deps.now ?? (() => new Date());
    this.afterAnswer = new AfterAnswer(deps.onBackgroundError);
  }

  async profile(userId: string): Promise<Profile> {
    return profileOf(await this.deps.accounts.active(userId));
  }

  /**
   * R18: the link proves the address it was sent to, once: the address the account was created with, or the one it
   * asked to move to (which it moves to now).
   */
  async verifyEmail(token: string, context: CommandContext): Promise<Profile> {
    // A repeat of the request (its command id) is decided again: the account recognises the command as applied.
    const link = await this.deps.verificationLinks.redeem(
      ['email-verification', 'email-change'],
      token,
      context.commandId,
      (found) => (found.purpose === 'email-change' ? this.mayMove(found) : Promise.resolve()),
    );
    const { purpose, userId, subject } = link;
    if (purpose === 'email-change') return this.moveToProvenAddress(link, context);
    const result = await this.deps.accounts.execute(
      { type: 'VerifyEmail', userId, actorId: userId, at: this.at(), email: subject ?? '' },
      context,
    );
    return profileOf(result.state as ActiveUser, result.revision);
  }

  /**
   * Always the same answer, in the same time: only the address's shape is checked before answering. A link goes out
   * afterwards, and only to an existing, unverified account.
   */
  resendVerification(rawEmail: string, context: CommandContext): Promise<void> {
    const email = parseEmail(rawEmail);
    this.afterAnswer.run(async () => {
      const user = await this.deps.accounts.findActiveByEmail(email);
      if (!user || user.emailVerified) return;
      if (!(await this.deps.mailQuota.allows(user.email, 'verification-link'))) return;
      await this.sendVerification(user, context);
    });
    return Promise.resolve();
  }

  /** Waits for verification links still being sent (at shutdown). */
  drain(): Promise<void> {
    return this.afterAnswer.drain();
  }

  onApplicationShutdown(): Promise<void> {
    return this.drain();
  }

  async updateProfile(
    userId: string,
    changes: { name?: string; phone?: string | null; locale?: string },
    context: CommandContext,
  ): Promise<Profile> {
    const user = await this.deps.accounts.active(userId);
    const command = { type: 'UpdateProfile' as const, userId, actorId: userId, at: this.at(), ...changes };
    const newPhone = changes.phone && changes.phone !== user.phone ? changes.phone : undefined;
    // What was asked, but for the name and the number themselves: the fingerprint is kept in the clear in event
    // metadata, where a plain hash of either could be tested against a guess after the person was erased. A key
    // reused for another name or number only is therefore taken for a retry (as membership does with addresses).
    const { name, locale, phone } = changes;
    const asked = {
      ...context,
      fingerprint: commandFingerprint({
        type: command.type,
        name: name === undefined ? undefined : 'set',
        locale,
        phone: phone === null ? 'removed' : phone === undefined ? undefined : 'set',
      }),
    };
    const result = await this.reserving('phone', newPhone, userId, context, async () => {
      const applied = await this.deps.accounts.execute(command, asked);
      const now = applied.state as ActiveUser;
      if (
        applied.duplicate &&
        ((newPhone && now.phone !== newPhone) || (name !== undefined && now.name !== parseName(name)))
      )
        throw commandIdReused(context);
      return applied;
    });
    if (!result.duplicate && changes.phone !== undefined && user.phone && user.phone !== changes.phone)
      await this.deps.reservations.release('phone', user.phone, userId, context.commandId);
    return profileOf(result.state as ActiveUser, result.revision);
  }

  /**
   * `work` with `value` reserved for the user first (when given), released again if `work` fails and the account does
   * not hold it: nothing is held for a change that did not happen, such as an idempotency key reused for another
   * address.
   */
  private async reserving<T>(
    kind: 'email' | 'phone',
    value: string | undefined,
    userId: string,
    context: CommandContext,
    work: () => Promise<T>,
  ): Promise<T> {
    if (value === undefined) return work();
    await this.deps.reservations.reserve(kind, value, userId, context.commandId);
    try {
      return await work();
    } catch (error) {
      // Not if the account holds it after all (the change was recorded, its answer lost): then it stays reserved, as
      // when the account cannot be read to tell.
      const holds = await this.deps.accounts.active(userId).then(
        (account) => account[kind] === value,
        // A deleted account holds nothing (its deletion released only what it held before this change).
        (error: unknown) =>
          !(isDomainError(error) && ['user-not-found', 'user-deleted'].includes(error.code)),
      );
      if (!holds) await this.deps.reservations.release(kind, value, userId, context.commandId);
      throw error;
    }
  }

  /**
   * Re-authenticated with the password. The account keeps its address until the new one is proven (R18): a link goes
   * to the new address, and only its use moves the account there. Nobody holds an address they cannot read, so nobody
   * stands, with a second factor of their own, between an address's owner and the account a reset would give them.
   */
  async changeEmail(
    userId: string,
    input: { email: string; password: string },
    context: CommandContext,
  ): Promise<Profile | EmailChangePending> {
    const user = await this.reauthenticate(userId, input.password);
    refuseWhileLocked(user);
    const email = parseEmail(input.email);
    const { verificationLinks: links } = this.deps;
    const pending = await links.outstanding('email-change', userId);
    if (pending?.issuedBy === context.commandId && pending.subject !== email) throw commandIdReused(context);
    // Another address now: the move asked for earlier is off, whether or not this one's link can be sent.
    if (pending && pending.subject !== email) await links.revoke('email-change', userId);
    if (email === user.email) return profileOf(user);
    await this.deps.reservations.refuseTaken('email', email, userId);
    // Mail to an address nobody there asked for is bounded, as links anyone can have resent are, and so is how many
    // addresses one account has mailed.
    if (!(await this.deps.mailQuota.allows(email, 'email-change-link', userId)))
      return { userId, pendingEmail: email };
    // A repeat of this request (its key) sends a fresh link, replacing the first: a mail lost before it was sent is
    // sent then.
    const expiresAt = await this.deps.mail.sendEmailChangeLink(links, user, email, context);
    // Deleted meanwhile (after its deletion forgot its links): the link must not keep either address.
    await this.deps.accounts.active(userId).catch(async (error: unknown) => {
      if (isDomainError(error) && ['user-not-found', 'user-deleted'].includes(error.code))
        await links.forget(userId);
      throw error;
    });
    return { userId, pendingEmail: email, expiresAt: expiresAt.toISOString() };
  }

  /** Before a move's link is used up: a refusal here leaves it usable. */
  private async mayMove(link: RedeemedOneTimeToken): Promise<void> {
    const account = await this.deps.accounts.active(link.userId);
    refuseWhileLocked(account);
    // Its sessions ended since it was asked for (a lock, a password change or reset, two-factor turned on or off):
    // the move was asked for by whoever that was against, perhaps.
    if ((account.sessionsEndedAt ?? '') !== link.accountEpoch) throw invalidLink();
    await this.deps.reservations.refuseTaken('email', parseEmail(link.subject ?? ''), link.userId);
  }

  /** A move's link was used: the account moves to the address, verified, and lets its old address go. */
  private async moveToProvenAddress(link: RedeemedOneTimeToken, context: CommandContext): Promise<Profile> {
    const { userId } = link;
    const email = parseEmail(link.subject ?? '');
    // A repeat of a use that did not get as far as the move is checked as the first use was.
    if (link.repeated && !(await this.deps.accounts.applied(userId, context.commandId)))
      await this.mayMove(link);
    const result = await this.reserving('email', email, userId, context, () =>
      this.deps.accounts.execute(
        {
          type: 'ChangeEmail',
          userId,
          actorId: userId,
          at: this.at(),
          email,
          ...(link.accountEpoch !== undefined ? { sessionsEndedAt: link.accountEpoch } : {}),
        },
        { ...context, fingerprint: commandFingerprint({ type: 'ChangeEmail' }) },
      ),
    );
    const moved = result.state as ActiveUser;
    const changed = result.events.find((event) => event.type === 'EmailChanged');
    // A repeat of this request (its answer lost) finishes what the first may not have: the address left is then the
    // one the account had when it asked.
    if (changed) await this.leave(moved, changed.data.previousEmail, context);
    else if (
      result.duplicate &&
      link.replaces !== undefined &&
      link.replaces !== moved.email &&
      (await this.deps.reservations.holderOf('email', link.replaces)) === userId
    )
      await this.leave(moved, link.replaces, context);
    return profileOf(moved, result.revision);
  }

  /** After a move: the old address is free, and whoever reads its mailbox is told, and takes nothing with it. */
  private async leave(user: ActiveUser, address: string, context: CommandContext): Promise<void> {
    const { userId } = user;
    await this.deps.reservations.release('email', address, userId, context.commandId);
    await this.deps.verificationLinks.revoke('password-reset', userId);
    await this.deps.verificationLinks.revoke('email-verification', userId);
    await this.deps.mail.send({
      template: 'email-changed',
      to: address,
      userId,
      name: user.name,
      ...(user.locale ? { locale: user.locale } : {}),
      ...(context.correlationId ? { correlationId: context.correlationId } : {}),
    });
  }

  /**
   * R10: an Owner's organizations go with their account, only after they confirm it; every session ends, the
   * secrets are erased and the e-mail and phone become free. Membership reacts to UserDeleted.
   */
  async deleteAccount(
    userId: string,
    input: {
      password: string;
      confirmOwnedOrganizations: boolean;
      /** The organizations the user was shown and confirms, when the client names them. */
      ownedOrganizationIds?: readonly string[];
    },
    context: CommandContext,
  ): Promise<{ deletedOrganizationIds: string[] }> {
    let user = await this.reauthenticate(userId, input.password);
    await this.deps.ownedOrganizations.follower.catchUp();
    const owned = this.deps.ownedOrganizations.index.ownedBy(userId);
    // The decider refuses keys read for addresses the account no longer has (a change made meanwhile): read again.
    for (let attempt = 1; ; attempt++) {
      const addressKeys = await this.addressKeysOf(user);
      try {
        await this.deps.accounts.execute(
          {
            type: 'DeleteUser',
            userId,
            actorId: userId,
            at: this.at(),
            ownedOrganizationIds: owned,
            ownedOrganizationsConfirmed: input.confirmOwnedOrganizations,
            ...(input.ownedOrganizationIds ? { confirmedOrganizationIds: input.ownedOrganizationIds } : {}),
            addressKeys,
            addressesKeyed: { email: user.email, ...(user.phone ? { phone: user.phone } : {}) },
          },
          context,
        );
      } catch (error) {
        if (!isDomainError(error) || error.code !== 'account-changed' || attempt === DELETION_ATTEMPTS)
          throw error;
        user = await this.deps.accounts.active(userId);
        continue;
      }
      await this.erase(user, addressKeys, context);
      return { deletedOrganizationIds: owned };
    }
  }

  /**
   * A registration that stalled past a reservation's minute (IdentifierReservations) and lost its address, or its
   * invitation's link, to another registration meanwhile: its account is deleted as soon as it is recorded, before
   * anyone signs in to it, and what it held goes to the account that holds it now. Only the account's own key is
   * destroyed: the address's key seals the other account's address too.
   */
  async withdrawRegistration(userId: string, context: CommandContext): Promise<void> {
    const user = await this.deps.accounts.load(userId);
    // Withdrawn already (by another delivery of the same registration, or its retry): nothing left to do here, and
    // what an erasure cut short is finished from its UserErased.
    if (user.status !== 'active') return;
    await this.deps.accounts.execute(
      {
        type: 'DeleteUser',
        userId,
        actorId: 'system',
        at: this.at(),
        ownedOrganizationIds: [],
        ownedOrganizationsConfirmed: false,
        addressKeys: [],
        addressesKeyed: { email: user.email, ...(user.phone ? { phone: user.phone } : {}) },
      },
      context,
    );
    await this.erase(user, [], context);
  }

  /** An operator's lock: the account cannot sign in and its sessions end. */
  /** See UserAccounts.refuseReusedCommandId. */
  refuseReusedCommandId(userId: string, context: CommandContext): Promise<AppliedCommand | undefined> {
    return this.deps.accounts.refuseReusedCommandId(userId, context);
  }

  /** What was asked counts, so a key used again for an unlock, or another reason, is refused, not taken for a retry. */
  async lock(userId: string, actorId: string, reason: string, context: CommandContext): Promise<void> {
    const locked = await this.deps.accounts.execute(
      { type: 'LockUser', userId, actorId, at: this.at(), reason },
      { ...context, fingerprint: commandFingerprint({ type: 'LockUser', reason }) },
    );
    // A retry of a lock undone since (an unlock came between) ends nothing: the account is not locked now.
    if (locked.duplicate && !('locked' in locked.state && locked.state.locked)) return;
    await this.deps.refreshTokens.revokeAllForUser(userId);
    // A move asked for before the lock, perhaps by whoever it is against, does not happen.
    await this.deps.verificationLinks.revoke('email-change', userId);
  }

  async unlock(userId: string, actorId: string, context: CommandContext): Promise<void> {
    await this.deps.accounts.execute(
      { type: 'UnlockUser', userId, actorId, at: this.at() },
      { ...context, fingerprint: commandFingerprint({ type: 'UnlockUser' }) },
    );
  }

  /** The live keys of the user's addresses (an address erased before, and invited again since, has a newer one). */
  private async addressKeysOf(user: ActiveUser): Promise<string[]> {
    const { addresses, vault } = this.deps.personalData;
    const subjects = [
      addresses.of('email', user.email),
      ...(user.phone ? [addresses.of('phone', user.phone)] : []),
    ];
    return Promise.all(subjects.map((subject) => vault.liveGeneration(subject)));
  }

  /**
   * The keys named by UserErased are destroyed here, before the answer; the key shredder destroys them again from the
   * event, and forgets the account's secrets again (`forgetErasedAccounts`), which finishes an erasure a crash cut
   * short.
   */
  private async erase(
    user: ActiveUser,
    addressKeys: readonly string[],
    context: CommandContext,
  ): Promise<void> {
    const { reservations, personalData, verificationLinks } = this.deps;
    for (const key of [user.userId, ...addressKeys]) await personalData.vault.erase(key);
    await forgetSecretsOf(this.deps, user.userId);
    await reservations.release('email', user.email, user.userId, context.commandId);
    if (user.phone) await reservations.release('phone', user.phone, user.userId, context.commandId);
    // Last: its links can no longer sign anyone in, only name the account, so a failure here must not keep the
    // address reserved.
    await verificationLinks.forget(user.userId);
  }

  private async reauthenticate(userId: string, password: string): Promise<ActiveUser> {
    const user = await this.deps.accounts.active(userId);
    if (!(await passwordConfirmed(this.deps, user, password)))
      throw new DomainError('invalid-credentials', 'forbidden', 'the password is not correct', {
        field: 'password',
      });
    return user;
  }

  private sendVerification(user: ActiveUser, context: CommandContext): Promise<void> {
    return this.deps.mail.sendVerificationLink(this.deps.verificationLinks, user, context.correlationId);
  }

  private at(): string {
    return this.now().toISOString();
  }
}
