import { DomainError } from '@app/domain';
import { type SessionTokens, type UserLookup } from '../login/login.service';
import { type AccessTokenService } from '../tokens/access-token.service';
import { RefreshTokenError, type OpenSession, type RefreshTokens } from './refresh-tokens';

/**
 * Refresh (rotation; reuse of a rotated token revokes the family) and logout. A refresh also re-checks the account,
 * so a deleted or locked user's session cannot be stretched. A refreshed access token says how its session was opened
 * (`amr` kept with the session), never more: turning two-factor on ends every session, but a refresh in between must
 * not turn a password-only session into one with the second factor (R22), nor make the sign-in look recent
 * (`auth_time` stays the session's).
 */
export class SessionRefresh {
  constructor(
    private readonly refreshTokens: RefreshTokens,
    private readonly accessTokens: AccessTokenService,
    private readonly accounts: Pick<UserLookup, 'current'>,
  ) {}

  /** A repeat of the same request (`commandId`) gets the same refresh token, and a fresh access token. */
  async refresh(token: string, commandId?: string): Promise<SessionTokens> {
    let rotated;
    try {
      rotated = await this.refreshTokens.rotate(token, commandId);
    } catch (error) {
      if (error instanceof RefreshTokenError)
        throw new DomainError(
          `refresh-token-${error.reason}`,
          'forbidden',
          'the refresh token is not valid',
          {
            field: 'refreshToken',
          },
        );
      throw error;
    }
    const user = await this.accounts.current(rotated.userId);
    if (!user || user.locked) {
      await this.refreshTokens.revokeAllForUser(rotated.userId);
      throw revoked();
    }
    const access = await this.accessTokens.issue(user.userId, {
      sid: rotated.familyId,
      amr: rotated.amr,
      authTime: rotated.signedInAt,
    });
    // Ended while this was issued (a password change, a sign-out everywhere): the new access token would be dated after
    // the end, and the gateway would accept it until it next asks whether the session is active.
    if (!(await this.refreshTokens.isSessionActive(rotated.familyId))) throw revoked();
    return {
      status: 'authenticated',
      userId: user.userId,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: rotated.token,
      refreshTokenExpiresAt: rotated.expiresAt,
      sessionId: rotated.familyId,
    };
  }

  /** Ends the token's session; its id, when the token was known (the gateway stops accepting its access tokens). */
  logout(token: string): Promise<string | undefined> {
    return this.refreshTokens.revoke(token);
  }

  /** Ends every session of the token's user (see RefreshTokens.revokeEverywhere); the token's own session id. */
  logoutEverywhere(token: string): Promise<string | undefined> {
    return this.refreshTokens.revokeEverywhere(token);
  }

  sessionActive(sessionId: string): Promise<boolean> {
    return this.refreshTokens.isSessionActive(sessionId);
  }

  /** The user's open sessions, for them to see where they are signed in. */
  sessionsOf(userId: string): Promise<OpenSession[]> {
    return this.refreshTokens.sessionsOf(userId);
  }

  /** Ends one session of the user's (the gateway stops accepting its access tokens at its next check). */
  endSession(userId: string, sessionId: string): Promise<void> {
    return this.refreshTokens.endSession(userId, sessionId);
  }
}

function revoked(): DomainError {
  return new DomainError('refresh-token-revoked', 'forbidden', 'the refresh token is not valid', {
    field: 'refreshToken',
  });
}
