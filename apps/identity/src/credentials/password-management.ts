import { DomainError, isDomainError } from '@app/domain';
import { type AppliedCommand } from '@app/event-store';
import { commandIdReused, type CommandContext, type UserAccounts } from '../accounts/user-accounts';
import { type IdentityMail } from '../notifying/identity-mail';
import { invalidLink, type OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { type RefreshTokens } from '../sessions/refresh-tokens';
import { type LoginThrottle } from '../throttling/login-throttle';
import { parseEmail } from '@app/identifiers';
import { type ActiveUser } from '../users/user.decider';
import { type CredentialStore } from './credential.store';
import { type PasswordHasher } from './password-hasher';
import { type PasswordPolicy } from './password-policy';
import { passwordConfirmed } from './password-confirmation';
import { AfterAnswer } from '../shared/after-answer';
import { type MailQuota } from '../throttling/mail-quota';

export interface PasswordManagementDependencies {
  readonly accounts: UserAccounts;
  readonly credentials: CredentialStore;
  readonly hasher: PasswordHasher;
  readonly policy: PasswordPolicy;
  /** Reset links, and the second-factor challenges of sign-ins a password change ends. */
  readonly oneTimeTokens: OneTimeTokens;
  readonly refreshTokens: RefreshTokens;
  readonly throttle: LoginThrottle;
  readonly mail: IdentityMail;
  readonly now?: () => Date;
  /** A few unasked-for mails an hour per address (forgot-password links). */
  readonly mailQuota: MailQuota;
  /** Where a reset link that could not be sent in the background is reported. */
  readonly onBackgroundError?: (error: unknown) => void;
}

/** R17: forgot / reset (single-use, expiring links; never says whether an account exists), admin reset, change. */
export class PasswordManagement {
  private readonly now: () => Date;
  private readonly afterAnswer: AfterAnswer;

  constructor(private readonly deps: PasswordManagementDependencies) {
    this.now = deps.now ?? (() => new Date());
    this.afterAnswer = new AfterAnswer(deps.onBackgroundError);
  }

  /**
   * R17: always answers the same, in the same time. Only the address's shape is checked before answering; looking the
   * account up and sending the link happen afterwards, so neither the lookup (an index hit or a store read) nor the
   * link's work shows in how long the answer takes.
   */
  forgot(rawEmail: string, context: CommandContext): Promise<void> {
    const email = parseEmail(rawEmail);
    this.afterAnswer.run(async () => {
      const user = await this.deps.accounts.findActiveByEmail(email);
      if (!user) return;
      if (!(await this.deps.mailQuota.allows(user.email, 'reset-link'))) return;
      // Deleted since it was found: its link is not kept, and there is nothing to report.
      await this.sendResetLink(user, context).catch(unlessNotFound);
    });
    return Promise.resolve();
  }

  /** Waits for reset links still being sent (at shutdown). */
  drain(): Promise<void> {
    return this.afterAnswer.drain();
  }

  onApplicationShutdown(): Promise<void> {
    return this.drain();
  }

  /**
   * R17: Owner and Admins trigger a reset for a member (membership checked the role). Within a quota of its own: each
   * link replaces the one before, the member's own included, so an unbounded stream of them would flood the mailbox
   * and keep the member from using any.
   */
  async resetOnRequestOf(userId: string, context: CommandContext): Promise<void> {
    const user = await this.deps.accounts.active(userId);
    if (!(await this.deps.mailQuota.allows(user.email, 'requested-reset-link'))) return;
    await this.sendResetLink(user, context);
  }

  async reset(token: string, newPassword: string, context: CommandContext): Promise<void> {
    this.deps.policy.assert(newPassword);
    const link = await this.deps.oneTimeTokens.redeem(
      'password-reset',
      token,
      context.commandId,
      async (link) => {
        const account = await this.deps.accounts.active(link.userId);
        refuseLinkNoLongerTheAccounts(link, account);
        const { email } = account;
        // A password the policy refuses for this account (its own address) leaves the link usable.
        this.deps.policy.assert(newPassword, { email });
      },
    );
    const { userId, subject, repeated } = link;
    const user = await this.deps.accounts.active(userId);
    // The same request again (its command id covers the new password too). Once its change was recorded, it is
    // answered as the first and nothing is redone, so the sessions opened with the new password since go on; only
    // what it ended is ended again, in case the first attempt failed on its way there. A first attempt that failed
    // before the change was recorded is carried on.
    if (repeated && (await this.deps.accounts.applied(userId, context.commandId))) {
      await this.deps.refreshTokens.revokeOpenedBefore(userId, user.sessionsEndedAt);
      await this.endLinksAndChallenges(userId);
      return;
    }
    // Carried on only while the link still speaks for the account, as on its first use: the used link's copy kept to
    // answer this retry must not set a password over its owner's change, or after a move.
    if (repeated) refuseLinkNoLongerTheAccounts(link, user);
    await this.replace(user, newPassword, 'reset', user.userId, context);
    // The owner of the mailbox proved themselves: a lockout from someone guessing is lifted, and the address, if the
    // link went to the one the account still has, is verified (the mailbox's owner may then set up two-factor).
    await this.deps.throttle.reset(user.email);
    if (!user.emailVerified && subject === user.email)
      await this.deps.accounts.execute(
        { type: 'VerifyEmail', userId, actorId: userId, at: this.now().toISOString(), email: user.email },
        { ...context, commandId: `${context.commandId}/verify-email` },
      );
  }

  /** `appliedBefore`: where this change landed, when this is its keyed retry (see `changeRetried`). */
  async change(
    userId: string,
    input: { currentPassword: string; newPassword: string },
    context: CommandContext,
    appliedBefore?: AppliedCommand,
  ): Promise<{ revision: string }> {
    const user = await this.deps.accounts.active(userId);
    if (appliedBefore) return this.changeRetried(user, input.newPassword, appliedBefore, context);
    // A first attempt that stored the new password and stopped before the change was recorded: its retry (the new
    // password it sets is in force) finishes it, rather than being refused the current password it replaced. The same
    // key with another new password is another request, as once the change is recorded (one wrong password counted).
    if ((await this.deps.credentials.changedBy(userId)) === context.commandId) {
      if (!(await passwordConfirmed(this.deps, user, input.newPassword))) throw commandIdReused(context);
      return this.replace(user, input.newPassword, 'change', userId, context);
    }
    if (!(await passwordConfirmed(this.deps, user, input.currentPassword)))
      throw new DomainError('invalid-credentials', 'forbidden', 'the current password is not correct', {
        field: 'currentPassword',
      });
    return this.replace(user, input.newPassword, 'change', userId, context);
  }

  /**
   * A change repeated under its key answers as the first did. The current password is not checked again: it is the old
   * one by now, and the retry would be refused and counted towards the lockout. The new one must be the password in
   * force (the same key with another new password is another request, and a wrong guess there counts as one at
   * sign-in, or a used key would test passwords unthrottled); what follows the change is done again (all of it can
   * be), in case the first attempt failed on its way there, but sessions opened with the new password since stay.
   */
  private async changeRetried(
    user: ActiveUser,
    newPassword: string,
    applied: AppliedCommand,
    context: CommandContext,
  ): Promise<{ revision: string }> {
    if (!(await passwordConfirmed(this.deps, user, newPassword))) throw commandIdReused(context);
    await this.deps.refreshTokens.revokeOpenedBefore(user.userId, user.sessionsEndedAt);
    await this.endLinksAndChallenges(user.userId);
    return { revision: String(applied.revision) };
  }

  private async endLinksAndChallenges(userId: string): Promise<void> {
    await this.deps.oneTimeTokens.revoke('password-reset', userId);
    // An address change asked for with the old password (by whoever the new one shuts out, perhaps) is dropped.
    await this.deps.oneTimeTokens.revoke('email-change', userId);
    // A sign-in with the old password waiting for its second factor gets no session either.
    await this.deps.oneTimeTokens.revoke('two-factor-challenge', userId);
  }

  /**
   * Every session and outstanding link ends, the new hash is stored, PasswordChanged is recorded, and the sessions and
   * links are ended once more (for those begun with the old password meanwhile). Ending them first leaves nothing of
   * the old password's standing (an address change asked for with it, a session) wherever this stops: a command that
   * fails after storing the hash finishes on its retry (`change`, and a reset's repeat).
   */
  private async replace(
    user: ActiveUser,
    password: string,
    reason: 'change' | 'reset',
    actorId: string,
    context: CommandContext,
  ): Promise<{ revision: string }> {
    this.deps.policy.assert(password, { email: user.email });
    const hash = await this.deps.hasher.hash(password);
    await this.deps.refreshTokens.revokeAllForUser(user.userId);
    await this.endLinksAndChallenges(user.userId);
    await this.deps.credentials.setHash(user.userId, hash, this.now(), context.commandId);
    const changed = await this.deps.refreshTokens.endAllAround(user.userId, () =>
      this.deps.accounts.execute(
        { type: 'ChangePassword', userId: user.userId, actorId, at: this.now().toISOString(), reason },
        context,
      ),
    );
    await this.endLinksAndChallenges(user.userId);
    await this.deps.mail.send({
      template: 'password-changed',
      to: user.email,
      userId: user.userId,
      name: user.name,
      ...(user.locale ? { locale: user.locale } : {}),
    });
    // The revision the account's read model must reach before the old sessions' access tokens are refused there.
    return { revision: String(changed.revision ?? -1) };
  }

  private async sendResetLink(user: ActiveUser, context: CommandContext): Promise<void> {
    const link = await this.deps.oneTimeTokens.issue('password-reset', user.userId, user.email, {
      accountEpoch: user.sessionsEndedAt ?? '',
    });
    await this.deps.mail.send({
      template: 'reset-password',
      to: user.email,
      userId: user.userId,
      name: user.name,
      ...(user.locale ? { locale: user.locale } : {}),
      path: `/reset-password#token=${encodeURIComponent(link.token)}`,
      expiresAt: link.expiresAt,
      ...(context.correlationId ? { correlationId: context.correlationId } : {}),
    });
  }
}

function unlessNotFound(error: unknown): void {
  if (!isDomainError(error) || error.kind !== 'not-found') throw error;
}

/**
 * R17: a reset link speaks for the account as it was when sent: not once the account left the address it went to
 * (whatever the order of the move and the sending), nor once its sessions were ended since (a password change, two-
 * factor turned on or off, a lock): the account's owner acted on it meanwhile. Links sent before they recorded the
 * account's epoch are judged by the address only.
 */
function refuseLinkNoLongerTheAccounts(
  link: { subject?: string; accountEpoch?: string },
  account: { email: string; sessionsEndedAt?: string },
): void {
  if (link.subject !== undefined && link.subject !== account.email)
    throw new DomainError('token-invalid', 'gone', 'this link went to an address the account no longer has');
  if (link.accountEpoch !== undefined && link.accountEpoch !== (account.sessionsEndedAt ?? ''))
    throw invalidLink();
}
