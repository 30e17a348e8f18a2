import { useSyncExternalStore } from 'react';

/** The signed-in user's tokens, kept for this browser tab only (sessionStorage), never in a cookie or localStorage. */
export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly userId: string;
}

const KEY = 'identity-platform.console.session';
const listeners = new Set<() => void>();
let current: Session | undefined = read();

function read(): Session | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return stored?.accessToken && stored.refreshToken && stored.userId ? stored : undefined;
  } catch {
    return undefined;
  }
}

export const session = {
  current: (): Session | undefined => current,
  set(next: Session | undefined): void {
    current = next;
    if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
    else sessionStorage.removeItem(KEY);
    for (const listener of listeners) listener();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useSession(): Session | undefined {
  return useSyncExternalStore(session.subscribe, session.current);
}
