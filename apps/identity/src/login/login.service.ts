import { DomainError } from '@app/domain';
import { type CredentialStore } from '../credentials/credential.store';
import { type PasswordHasher } from '../credentials/password-hasher';
import { type OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { type RefreshTokens } from '../sessions/refresh-tokens';
import { type LoginThrottle } from '../throttling/login-throttle';
import { type AccessTokenService } from '../tokens/access-token.service';
import { type TwoFactorService } from '../two-factor/two-factor.service';
import { normalizeEmail } from '@app/identifiers';
import { sha256Hex } from '../shared/secrets';

/** What login needs to know of an account, from the identity read model. */
export interface LoginAccount {
  readonly userId: string;
  readonly locked: boolean;
  readonly twoFactorEnabled: boolean;
}

export interface UserLookup {
  findByEmail(normalizedEmail: string): Promise<LoginAccount | null>;
  /** The account as it is now, when `findByEmail` may lag: null once deleted. */
  current(userId: string): Promise<LoginAccount | null>;
}

export interface SessionTokens {
  readonly status: 'authenticated';
  readonly userId: string;
  readonly accessToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: Date;
  readonly sessionId: string;
}

export interface TwoFactorChallenge {
  readonly status: 'two-factor-required';
  /** Single use, 5 minutes: send it back with the TOTP or recovery code. */
  readonly challenge: string;
  readonly expiresAt: Date;
}

export interface LoginDependencies {
  readonly users: UserLookup;
  readonly credentials: CredentialStore;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
  readonly refreshTokens: RefreshTokens;
  readonly accessTokens: AccessTokenService;
  readonly twoFactor: TwoFactorService;
  readonly challenges: OneTimeTokens;
  readonly now?: () => number;
}

/** Wrong password, unknown account, locked account, throttled: one answer, so none of them can be told apart. */
export function invalidCredentials(): DomainError {
  return new DomainError('invalid-credentials', 'forbidden', 'the e-mail or password is not correct');
}

function invalidCode(): DomainError {
  return new DomainError('invalid-two-factor-code', 'forbidden', 'the code is not valid', { field: 'code' });
}

export class LoginService {
  private readonly now: () => number;

  constructor(private readonly deps: LoginDependencies) {
    this.now = deps.now ?? Date.now;
  }

  async login(input: {
    email: string;
    password: string;
    ip?: string;
  }): Promise<SessionTokens | TwoFactorChallenge> {
    const { users, credentials, hasher, throttle } = this.deps;
    const email = normalizeEmail(input.email);
    const decision = await throttle.begin(email, input.ip);
    if (!decision.allowed) {
      // Same work as a real check: the response time does not reveal the lockout either.
      await hasher.dummyVerify(input.password);
      throw invalidCredentials();
    }
    const account = await users.findByEmail(email);
    // Read while the hash is checked (the hashing runs off the event loop), so it costs no time of its own.
    const current = account ? users.current(account.userId) : undefined;
    current?.catch(() => undefined); // awaited below; until then a failure must not count as unhandled
    const hash = account ? await credentials.getHash(account.userId) : null;
    const passwordOk = hash
      ? await hasher.verify(hash, input.password)
      : await hasher.dummyVerify(input.password);
    // A lock or deletion of a moment ago counts, even where the lookup has not seen it yet.
    const confirmed = current ? await current : account;
    if (!account || !hash || !passwordOk || !confirmed || confirmed.locked) {
      await decision.attempt.failed();
      throw invalidCredentials();
    }
    await decision.attempt.succeeded();
    let checked = hash;
    if (hasher.needsRehash(hash)) {
      // Only over the hash just checked: a password changed meanwhile is not put back (the check below refuses).
      const rehashed = await hasher.hash(input.password);
      if (await credentials.rehash(account.userId, hash, rehashed, new Date(this.now()))) checked = rehashed;
    }

    // The enrollment store decides, not the lookup (which may lag an enrollment by a moment).
    if (await this.deps.twoFactor.isEnabled(account.userId)) {
      // Bound to the password it follows: the second step opens nothing once that password was replaced.
      const { token, expiresAt } = await this.deps.challenges.issue(
        'two-factor-challenge',
        account.userId,
        sha256Hex(checked),
      );
      await this.unlessPasswordChanged(account.userId, checked, input.password, () =>
        this.deps.challenges.revoke('two-factor-challenge', account.userId),
      );
      return { status: 'two-factor-required', challenge: token, expiresAt };
    }
    const session = await this.startSession(account.userId, ['pwd']);
    await this.unlessPasswordChanged(account.userId, checked, input.password, async () => {
      await this.deps.refreshTokens.revoke(session.refreshToken);
    });
    await this.unlessStandingChanged(account.userId, session, { passwordOnly: true });
    return session;
  }

  /**
   * A lock or deletion that came while this sign-in ran ended every session before this one was opened, and would
   * not end this one (nor would turning on a second factor end a password-only session opened meanwhile): what was
   * just opened is undone and the sign-in refused, as for a password changed meanwhile.
   */
  private async unlessStandingChanged(
    userId: string,
    session: SessionTokens,
    { passwordOnly }: { passwordOnly: boolean },
  ): Promise<void> {
    let standing: boolean;
    try {
      const account = await this.deps.users.current(userId);
      const secondFactorNow = passwordOnly && (await this.deps.twoFactor.isEnabled(userId));
      standing = account !== null && !account.locked && !secondFactorNow;
    } catch (error) {
      await this.deps.refreshTokens.revoke(session.refreshToken); // not left open unanswered
      throw error;
    }
    if (standing) return;
    await this.deps.refreshTokens.revoke(session.refreshToken);
    throw invalidCredentials();
  }

  /**
   * A password changed while this sign-in checked the old one ended every session before this one was opened, and
   * would not end this one: what was just opened is undone and the sign-in refused. A hash replaced with the same
   * password (another sign-in upgrading its parameters) is no change.
   */
  private async unlessPasswordChanged(
    userId: string,
    checked: string,
    password: string,
    undo: () => Promise<void>,
  ): Promise<void> {
    const now = await this.deps.credentials.getHash(userId);
    if (now === checked || (now !== null && (await this.deps.hasher.verify(now, password)))) return;
    await undo();
    throw invalidCredentials();
  }

  /**
   * Second step when the account has TOTP: a wrong code ends the challenge (log in again). An account locked or
   * deleted since the password step gets no session, and spends no code.
   */
  async completeTwoFactor(input: { challenge: string; code: string; ip?: string }): Promise<SessionTokens> {
    let userId: string;
    let password: string | undefined;
    try {
      ({ userId, subject: password } = await this.deps.challenges.redeem(
        'two-factor-challenge',
        input.challenge,
      ));
    } catch (error) {
      if (error instanceof DomainError) throw invalidCredentials();
      throw error;
    }
    const account = await this.deps.users.current(userId);
    if (!account || account.locked) throw invalidCredentials();
    // Wrong codes count per account, apart from passwords (a right password must not clear them): five in 15
    // minutes and no code is checked for a while, however many challenges the password yields.
    const decision = await this.deps.throttle.beginSecondFactor(userId);
    if (!decision.allowed) throw invalidCode();
    const result = await this.deps.twoFactor.verify(userId, input.code);
    if (!result.valid) {
      await decision.attempt.failed();
      throw invalidCode();
    }
    await decision.attempt.succeeded();
    const session = await this.startSession(userId, ['pwd', 'otp']);
    // A challenge from before challenges named their password (at most minutes old) is taken as it is.
    if (password !== undefined) {
      const hash = await this.deps.credentials.getHash(userId);
      if (hash === null || sha256Hex(hash) !== password) {
        await this.deps.refreshTokens.revoke(session.refreshToken);
        throw invalidCredentials();
      }
    }
    await this.unlessStandingChanged(userId, session, { passwordOnly: false });
    return session;
  }

  private async startSession(userId: string, amr: readonly string[]): Promise<SessionTokens> {
    const refresh = await this.deps.refreshTokens.issue(userId, amr);
    const access = await this.deps.accessTokens.issue(userId, {
      sid: refresh.familyId,
      amr,
      authTime: refresh.signedInAt,
    });
    return {
      status: 'authenticated',
      userId,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.expiresAt,
      sessionId: refresh.familyId,
    };
  }
}
