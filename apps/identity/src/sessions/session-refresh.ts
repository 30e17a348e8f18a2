import { DomainError } from '@app/domain';
import { type UserAccounts } from '../accounts/user-accounts';
import { type SessionTokens } from '../login/login.service';
import { type AccessTokenService } from '../tokens/access-token.service';
import { RefreshTokenError, type RefreshTokens } from './refresh-tokens';

/**
 * Refresh (rotation; reuse of a rotated token revokes the family) and logout. A refresh also re-checks the account,
 * so a deleted or locked user's session cannot be stretched. Enabling two-factor ends every session, so a session
 * of a user with 2FA on was necessarily opened with the second factor.
 */
export class SessionRefresh {
  constructor(
    private readonly refreshTokens: RefreshTokens,
    private readonly accessTokens: AccessTokenService,
    private readonly accounts: UserAccounts,
  ) {}

  async refresh(token: string): Promise<SessionTokens> {
    let rotated;
    try {
      rotated = await this.refreshTokens.rotate(token);
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
    const user = await this.accounts.load(rotated.userId);
    if (user.status !== 'active' || user.locked) {
      await this.refreshTokens.revokeAllForUser(rotated.userId);
      throw new DomainError('refresh-token-revoked', 'forbidden', 'the refresh token is not valid', {
        field: 'refreshToken',
      });
    }
    const access = await this.accessTokens.issue(user.userId, {
      sid: rotated.familyId,
      amr: user.twoFactorEnabled ? ['pwd', 'otp'] : ['pwd'],
    });
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

  logout(token: string): Promise<void> {
    return this.refreshTokens.revoke(token);
  }

  sessionActive(sessionId: string): Promise<boolean> {
    return this.refreshTokens.isSessionActive(sessionId);
  }
}
