import { useSyncExternalStore } from 'react';

/** The signed-in user's tokens, kept for this browser tab only (sessionStorage), never in a cookie or localStorage. */
export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly userId: string;
  /**
   * A secret of this sign-in, made here and never sent: a refresh's Idempotency-Key is derived from it and the
   * refresh token, so tabs holding the same session (a duplicated tab copies sessionStorage) that renew it at the
   * same moment get the same answer instead of one of them counting as a stolen token's reuse.
   */
  readonly renewKey: string;
}

const KEY = 'identity-platform.console.session';
const listeners = new Set<() => void>();
let current: Session | undefined = read();

function read(): Session | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return stored?.accessToken && stored.refreshToken && stored.userId
      ? { ...stored, renewKey: stored.renewKey || newRenewKey() }
      : undefined;
  } catch {
    return undefined;
  }
}

function newRenewKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

/**
 * What one tab does to a session, told to the tabs holding the same one (a duplicated tab): a renewed pair is
 * adopted there, so none of them later renews with a refresh token already replaced (which ends the session
 * everywhere); a sign-out signs them out too. Tabs holding other sessions ignore it.
 */
interface SessionChange {
  readonly replaces: string;
  readonly next: Session | null;
}

const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`${KEY}.changes`) : undefined;
tabs?.addEventListener('message', (event: MessageEvent<SessionChange>) => {
  if (current && event.data?.replaces === current.refreshToken) adopt(event.data.next ?? undefined);
});

function adopt(next: Session | undefined): void {
  current = next;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

export const session = {
  current: (): Session | undefined => current,
  /** A new sign-in (no `renewKey` yet), a renewed pair of the same session, or undefined: signed out. */
  set(next: (Omit<Session, 'renewKey'> & { renewKey?: string }) | undefined): void {
    const previous = current;
    const stored = next ? { ...next, renewKey: next.renewKey ?? newRenewKey() } : undefined;
    adopt(stored);
    if (previous && previous.refreshToken !== stored?.refreshToken)
      tabs?.postMessage({ replaces: previous.refreshToken, next: stored ?? null } satisfies SessionChange);
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useSession(): Session | undefined {
  return useSyncExternalStore(session.subscribe, session.current);
}
