import { normalizeEmail } from '@app/identifiers';
import { type LoginThrottle } from '../throttling/login-throttle';
import { type CredentialStore } from './credential.store';
import { type PasswordHasher } from './password-hasher';

export interface PasswordConfirmationDependencies {
  readonly credentials: CredentialStore;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
}

/**
 * A signed-in user's password given again (to change it or the e-mail, or to delete the account) is a login attempt:
 * a wrong one counts towards the account's lockout, and while it is locked no password is checked at all. Otherwise
 * an access token, which lives minutes, would allow guessing without the login's limit.
 */
export async function passwordConfirmed(
  deps: PasswordConfirmationDependencies,
  user: { readonly userId: string; readonly email: string },
  password: string,
): Promise<boolean> {
  const decision = await deps.throttle.begin(normalizeEmail(user.email));
  if (!decision.allowed) {
    await deps.hasher.dummyVerify(password);
    return false;
  }
  const hash = await deps.credentials.getHash(user.userId);
  const ok = hash ? await deps.hasher.verify(hash, password) : await deps.hasher.dummyVerify(password);
  await (ok ? decision.attempt.succeeded() : decision.attempt.failed());
  return ok;
}
