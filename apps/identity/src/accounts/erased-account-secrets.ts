import { type AfterErasure } from '@app/platform';
import { type CredentialStore } from '../credentials/credential.store';
import { type OneTimeTokens } from '../one-time-tokens/one-time-tokens';
import { type RefreshTokens } from '../sessions/refresh-tokens';
import { type TwoFactorService } from '../two-factor/two-factor.service';

/** What identity keeps of an account outside its events, by the account's id. */
export interface AccountSecrets {
  readonly credentials: Pick<CredentialStore, 'delete'>;
  readonly refreshTokens: Pick<RefreshTokens, 'revokeAllForUser' | 'forgetActivityOf'>;
  readonly twoFactor: Pick<TwoFactorService, 'disable'>;
  readonly verificationLinks: Pick<OneTimeTokens, 'forget'>;
}

/** An erased account's sessions end (when they were used is forgotten), and its password hash and second factor go. */
export async function forgetSecretsOf(secrets: AccountSecrets, userId: string): Promise<void> {
  await secrets.refreshTokens.revokeAllForUser(userId);
  await secrets.refreshTokens.forgetActivityOf(userId);
  await secrets.credentials.delete(userId);
  await secrets.twoFactor.disable(userId);
}

/**
 * Run by the key shredder for each `UserErased`: the deletion does all of it before answering, and this finishes what
 * a failure after the event was stored cut short (a retry of the deletion is refused, the account being gone). The
 * addresses' reservations are not released here: a deleted account's count as free.
 */
export function forgetErasedAccounts(secrets: AccountSecrets): AfterErasure {
  return async ({ type, data }) => {
    if (type !== 'UserErased' || typeof data.userId !== 'string') return;
    await forgetSecretsOf(secrets, data.userId);
    await secrets.verificationLinks.forget(data.userId);
  };
}
