import { type AppliedCommand } from '@app/event-store';
import { DomainError, isDomainError } from '@app/domain';
import { commandIdReused, type CommandContext, type UserAccounts } from '../accounts/user-accounts';
import { type RefreshTokens } from '../sessions/refresh-tokens';
import { type LoginThrottle } from '../throttling/login-throttle';
import {
  passwordConfirmed,
  type PasswordConfirmationDependencies,
} from '../credentials/password-confirmation';
import { refuseWhileLocked } from '../users/user.decider';
import { type Enrollment, type TwoFactorService } from './two-factor.service';

/**
 * R22: a user enrolls a TOTP authenticator (events TwoFactorEnabled / TwoFactorDisabled for organizations). Turning
 * it on or off ends every session: the next sign-in is one with or without the second factor, as the account is.
 */
export class TwoFactorEnrollment {
  constructor(
    private readonly twoFactor: TwoFactorService,
    private readonly accounts: UserAccounts,
    private readonly refreshTokens: RefreshTokens,
    private readonly passwords: PasswordConfirmationDependencies,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get throttle(): LoginThrottle {
    return this.passwords.throttle;
  }

  /**
   * Only with the password given again: a session alone (a stolen access token) must not put an authenticator of
   * someone else's on the account, which would end its sessions and stand between its owner and every sign-in.
   */
  async start(userId: string, password: string, context?: CommandContext): Promise<Enrollment> {
    const user = await this.accounts.active(userId);
    // Whoever registered an address they cannot read (someone else's) must not stand a second factor between its
    // owner and the account they take over by resetting the password through that mailbox.
    if (!user.emailVerified)
      throw new DomainError(
        'email-not-verified',
        'rule-violation',
        'verify your e-mail address (the link mailed to it) before setting up two-factor sign-in',
      );
    if (!(await passwordConfirmed(this.passwords, user, password)))
      throw new DomainError('invalid-credentials', 'forbidden', 'the password is not correct', {
        field: 'password',
      });
    try {
      return await this.twoFactor.enroll(userId, user.email, context?.commandId);
    } catch (error) {
      if (context && isDomainError(error) && error.code === 'two-factor-already-enabled')
        await this.recordEnabledIfUnrecorded(userId, {
          ...context,
          commandId: `${context.commandId}/found-on`,
        });
      throw error;
    }
  }

  /**
   * The first code proves the authenticator works; every session ends, the next sign-in asks for a code. Wrong codes
   * count as at sign-in: a stolen session must not guess the code of a set-up its owner began, and be shown the
   * recovery codes that pass the second factor later.
   */
  async confirm(userId: string, code: string, context: CommandContext): Promise<{ recoveryCodes: string[] }> {
    const decision = await this.throttle.beginSecondFactor(userId);
    if (!decision.allowed) throw invalidCode('too many wrong codes: wait 15 minutes');
    let result: { recoveryCodes: string[] };
    try {
      result = await this.twoFactor.confirm(userId, code);
    } catch (error) {
      // Only a wrong code counts; nothing to confirm (none started, or on already) checked no code.
      if (isDomainError(error) && error.code === 'invalid-two-factor-code') await decision.attempt.failed();
      else await decision.attempt.withdrawn();
      if (isDomainError(error) && error.code === 'two-factor-already-enabled')
        await this.recordEnabledIfUnrecorded(userId, context);
      throw error;
    }
    await decision.attempt.succeeded();
    await this.recordEnabled(userId, context);
    return result;
  }

  /**
   * A confirm that stored the second factor and stopped before recording it (the event store did not answer) left the
   * account's events saying "off": its retry, or any later confirm, finds it on and records it, so that organizations
   * and the read models see what sign-in asks for. The codes that attempt made are not kept; new ones are asked for
   * with a current code. A turn-off landing meanwhile is recorded after this, as it would have been.
   */
  private async recordEnabledIfUnrecorded(userId: string, context: CommandContext): Promise<void> {
    if ((await this.accounts.active(userId)).twoFactorEnabled) return;
    await this.recordEnabled(userId, context);
    if (!(await this.twoFactor.isEnabled(userId)))
      await this.recordDisabled(userId, {
        ...context,
        commandId: `${context.commandId}/turned-off-meanwhile`,
      });
  }

  private async recordEnabled(userId: string, context: CommandContext): Promise<void> {
    await this.refreshTokens.endAllAround(userId, () =>
      this.accounts.execute(
        { type: 'EnableTwoFactor', userId, actorId: userId, at: this.now().toISOString() },
        context,
      ),
    );
  }

  /**
   * New recovery codes, for a current code of the authenticator; the old codes stop working, sessions go on. What a
   * user does who lost their codes, or never saw them (a set-up whose answer was lost after it was done). Wrong codes
   * count as at sign-in: a stolen session must not guess its way to codes that pass the second factor.
   */
  async replaceRecoveryCodes(
    userId: string,
    code: string,
    context: CommandContext,
    appliedBefore?: AppliedCommand,
  ): Promise<{ recoveryCodes: string[] }> {
    // The codes are kept hashed only: a keyed retry after they were made cannot be shown them.
    if (appliedBefore)
      throw new DomainError(
        'recovery-codes-shown-once',
        'conflict',
        'this request made new recovery codes, shown once in its answer: ask again with a new code for another set',
      );
    // A token issued before a lock reaches here until the gateway sees the lock: codes made now would outlive it.
    refuseWhileLocked(await this.accounts.active(userId));
    if (!(await this.twoFactor.isEnabled(userId)))
      throw new DomainError('two-factor-not-enrolled', 'not-found', 'two-factor sign-in is not on');
    const decision = await this.throttle.beginSecondFactor(userId);
    if (!decision.allowed) throw invalidCode('too many wrong codes: wait 15 minutes');
    let replaced: { recoveryCodes: string[] };
    try {
      replaced = await this.twoFactor.replaceRecoveryCodes(userId, code);
    } catch (error) {
      // A right code used before (this request delivered again, say) is no guess: it is refused, not counted.
      if (!(isDomainError(error) && error.code === 'invalid-two-factor-code')) {
        await decision.attempt.withdrawn();
        throw error;
      }
      await decision.attempt.failed();
      throw invalidCode('the code is not valid: give a current code from the authenticator app');
    }
    await decision.attempt.succeeded();
    // A set-up never recorded is recorded first (only now, with the factor proven: a session alone does not end every
    // session), so that the replacement is recorded on an account whose events say the factor is on.
    await this.recordEnabledIfUnrecorded(userId, { ...context, commandId: `${context.commandId}/found-on` });
    // Recorded after the store holds them: a failure here leaves the new codes working and unrecorded, never the
    // record of codes that were not made. The owner is told (a notice) from the event.
    await this.accounts.execute(
      { type: 'ReplaceRecoveryCodes', userId, actorId: userId, at: this.now().toISOString() },
      context,
    );
    return replaced;
  }

  /** The account stream's revision after it: the read models must reach it before old sessions are refused there. */
  async disable(
    userId: string,
    code: string,
    context: CommandContext,
    appliedBefore?: AppliedCommand,
  ): Promise<{ revision: string }> {
    // Repeated under its key: answered as the first time, the code not asked again (there is no second factor left to
    // check it against; it went before the event was appended). The sessions' end, after the event, is done again, in
    // case the first attempt failed there; sessions opened since stay. Once a second factor was set up again, the old key turns nothing off.
    if (appliedBefore) {
      if (await this.twoFactor.isEnabled(userId)) throw commandIdReused(context);
      const user = await this.accounts.active(userId);
      await this.refreshTokens.revokeOpenedBefore(userId, user.sessionsEndedAt);
      return { revision: String(appliedBefore.revision) };
    }
    if (!(await this.twoFactor.isEnabled(userId))) {
      // Taken out of the store by an attempt that stopped before it was recorded: recorded now, sessions ended, as
      // that attempt would have done (there is no code left to check; the account has no second factor either way).
      if ((await this.accounts.active(userId)).twoFactorEnabled)
        return this.recordDisabledUnlessSetUpMeanwhile(userId, context);
      // Nothing to turn off is said so, and is not a wrong code: counting it would lock out a factor set up later.
      throw new DomainError('two-factor-not-enrolled', 'not-found', 'two-factor sign-in is not on');
    }
    // Wrong codes count as at sign-in: whoever holds a session must not guess their way to a recovery code.
    const decision = await this.throttle.beginSecondFactor(userId);
    if (!decision.allowed) throw invalidCode('too many wrong codes: wait 15 minutes');
    if (!(await this.twoFactor.verify(userId, code)).valid) {
      await decision.attempt.failed();
      throw invalidCode('the code is not valid');
    }
    await decision.attempt.succeeded();
    await this.twoFactor.disable(userId);
    return this.recordDisabled(userId, context);
  }

  /**
   * A set-up confirmed while this was recorded found the account's events saying "on" and recorded nothing: it is
   * recorded after this, so that the events say what the store holds.
   */
  private async recordDisabledUnlessSetUpMeanwhile(
    userId: string,
    context: CommandContext,
  ): Promise<{ revision: string }> {
    const disabled = await this.recordDisabled(userId, context);
    if (!(await this.twoFactor.isEnabled(userId))) return disabled;
    const enabled = await this.accounts.execute(
      { type: 'EnableTwoFactor', userId, actorId: userId, at: this.now().toISOString() },
      { ...context, commandId: `${context.commandId}/set-up-meanwhile` },
    );
    return { revision: String(enabled.revision ?? disabled.revision) };
  }

  /** Sessions opened with the second factor would go on vouching for one the account no longer has (R22). */
  private async recordDisabled(userId: string, context: CommandContext): Promise<{ revision: string }> {
    const disabled = await this.refreshTokens.endAllAround(userId, () =>
      this.accounts.execute(
        { type: 'DisableTwoFactor', userId, actorId: userId, at: this.now().toISOString() },
        context,
      ),
    );
    return { revision: String(disabled.revision ?? -1) };
  }
}

function invalidCode(title: string): DomainError {
  return new DomainError('invalid-two-factor-code', 'forbidden', title, { field: 'code' });
}
