import { api } from './api/client';
import { session } from './session';

/**
 * Ends the session on the server first (with `everywhere`, every session of the user: a lost device), then here. Until
 * the server has, the tab stays signed in: nobody walks away from a session they believe ended. A refresh token the
 * server refuses as such (revoked, reused, expired, unknown: no session to end) counts as ended. False: still signed in.
 */
export async function signOut(everywhere = false): Promise<boolean> {
  const signedIn = session.current();
  if (signedIn) {
    const ended = await api
      .POST('/v1/auth/logout', {
        body: { refreshToken: signedIn.refreshToken, ...(everywhere ? { everywhere: true } : {}) },
      })
      .then(
        ({ response, error }) =>
          response.ok || String((error as { code?: unknown } | undefined)?.code).startsWith('refresh-token-'),
        () => false,
      );
    if (!ended) return false;
  }
  session.set(undefined);
  return true;
}
