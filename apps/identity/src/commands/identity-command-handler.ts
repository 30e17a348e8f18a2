import { DomainError, isDomainError, type DomainErrorJson } from '@app/domain';
import { commandFingerprint, type AppliedCommand } from '@app/event-store';
import { type AccountManagement } from '../accounts/account-management';
import { type Registration } from '../accounts/registration';
import { type CommandContext } from '../accounts/user-accounts';
import { type PasswordManagement } from '../credentials/password-management';
import { type LoginService } from '../login/login.service';
import { type SessionRefresh } from '../sessions/session-refresh';
import { type AccessTokenService } from '../tokens/access-token.service';
import { type TwoFactorEnrollment } from '../two-factor/two-factor-enrollment';
import { type RequestVerifier } from '@app/messaging';
import { checkIdentityRequest, type CommandFields, type IdentityRequest } from './identity-request';

export type IdentityReply =
  { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: DomainErrorJson };

export interface IdentityServices {
  readonly registration: Registration;
  readonly accounts: AccountManagement;
  readonly passwords: PasswordManagement;
  readonly login: LoginService;
  readonly sessions: SessionRefresh;
  readonly twoFactor: TwoFactorEnrollment;
  readonly accessTokens: AccessTokenService;
}

const ACCEPTED = { status: 'accepted' };

/**
 * Answers identity requests from the gateway: a result, or a typed refusal with a stable code. Refusals are replies,
 * not exceptions, so the bus does not retry them; anything else (infrastructure) throws and is retried.
 */
export class IdentityCommandHandler {
  constructor(
    private readonly services: IdentityServices,
    /** Checks that a request was signed by the gateway (the only sender of identity commands). */
    private readonly verifier: RequestVerifier,
    /** User ids allowed to lock and unlock accounts (IDENTITY_OPERATORS); nobody by default. */
    private readonly operators: readonly string[] = [],
  ) {}

  private requireOperator(actorId: string): void {
    if (!this.operators.includes(actorId))
      throw new DomainError('operator-only', 'forbidden', 'only platform operators lock or unlock accounts');
  }

  async handle(raw: unknown): Promise<IdentityReply> {
    try {
      return { ok: true, result: await this.dispatch(checkIdentityRequest(raw, this.verifier)) };
    } catch (error) {
      if (isDomainError(error)) return { ok: false, error: error.toJSON() };
      throw error;
    }
  }

  private async dispatch(request: IdentityRequest): Promise<unknown> {
    const { registration, accounts, passwords, login, sessions, twoFactor } = this.services;
    const c = request.command as unknown as CommandFields;
    let context: CommandContext = {
      commandId: request.commandId,
      ...(request.correlationId ? { correlationId: request.correlationId } : {}),
    };
    const actor = request.actorId!;
    const asked = OWN_ACCOUNT_WORK[request.command.type as keyof typeof OWN_ACCOUNT_WORK];
    // Where this very command landed before, when this is its keyed retry.
    let appliedBefore: AppliedCommand | undefined;
    if (asked) {
      context = {
        ...context,
        fingerprint: commandFingerprint({ ...pick(request.command, asked), type: request.command.type }),
      };
      appliedBefore = await accounts.refuseReusedCommandId(actor, context);
    }
    switch (request.command.type) {
      case 'Register':
        return registration.register({ ...context, ...c });
      case 'RegisterFromInvitation':
        return registration.registerFromInvitation({ ...context, ...c });
      case 'AcceptInvitation':
        return registration.acceptAsExistingUser(actor, c.token, request.commandId);
      case 'VerifyEmail':
        return accounts.verifyEmail(c.token, context);
      case 'ResendVerification':
        await accounts.resendVerification(c.email, context);
        return ACCEPTED;
      case 'Login':
        return login.login(c);
      case 'CompleteTwoFactorLogin':
        return login.completeTwoFactor(c);
      case 'Refresh':
        return sessions.refresh(c.refreshToken, request.commandId);
      case 'Logout': {
        const sessionId = c.everywhere
          ? await sessions.logoutEverywhere(c.refreshToken)
          : await sessions.logout(c.refreshToken);
        return { ...ACCEPTED, ...(sessionId ? { sessionId } : {}) };
      }
      case 'ListSessions':
        return { sessions: await sessions.sessionsOf(actor) };
      case 'EndSession':
        await sessions.endSession(actor, c.sessionId);
        return ACCEPTED;
      case 'SessionActive':
        return { active: await sessions.sessionActive(c.sessionId) };
      case 'GetJwks':
        return this.services.accessTokens.jwks();
      case 'ForgotPassword':
        await passwords.forgot(c.email, context);
        return ACCEPTED;
      case 'ResetPassword':
        await passwords.reset(c.token, c.password, context);
        return ACCEPTED;
      case 'ChangePassword':
        return { ...ACCEPTED, ...(await passwords.change(actor, c, context, appliedBefore)) };
      case 'GetProfile':
        return accounts.profile(actor);
      case 'UpdateProfile':
        return accounts.updateProfile(actor, pick(request.command, ['name', 'phone', 'locale']), context);
      case 'ChangeEmail':
        return accounts.changeEmail(actor, c, context);
      case 'DeleteAccount':
        return accounts.deleteAccount(actor, c, context);
      case 'StartTwoFactorEnrollment':
        return twoFactor.start(actor, c.password, context);
      case 'ConfirmTwoFactor':
        return twoFactor.confirm(actor, c.code, context);
      case 'ReplaceRecoveryCodes':
        return twoFactor.replaceRecoveryCodes(actor, c.code, context, appliedBefore);
      case 'DisableTwoFactor':
        return { ...ACCEPTED, ...(await twoFactor.disable(actor, c.code, context, appliedBefore)) };
      case 'LockUser':
        this.requireOperator(actor);
        // Operators locking one another (at once, even) could leave nobody to unlock anyone.
        if (this.operators.includes(c.userId))
          throw new DomainError(
            'target-is-operator',
            'conflict',
            'an operator is not locked: take them out of IDENTITY_OPERATORS first',
            { userId: c.userId },
          );
        await accounts.lock(c.userId, actor, c.reason, context);
        return ACCEPTED;
      case 'UnlockUser':
        this.requireOperator(actor);
        await accounts.unlock(c.userId, actor, context);
        return ACCEPTED;
    }
  }
}

/**
 * Commands on the caller's own account whose work is done before their event is appended, with what of each is part
 * of what it asks (secrets left out): a command id recorded for another command is refused before any of it is done.
 */
const OWN_ACCOUNT_WORK = {
  ChangePassword: [],
  DeleteAccount: ['confirmOwnedOrganizations', 'ownedOrganizationIds'],
  ConfirmTwoFactor: [],
  ReplaceRecoveryCodes: [],
  DisableTwoFactor: [],
} as const satisfies Record<string, readonly string[]>;

function pick<K extends string>(
  source: Readonly<Record<string, unknown>>,
  keys: readonly K[],
): Partial<Record<K, never>> {
  const picked: Partial<Record<K, never>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key] as never;
  return picked;
}
