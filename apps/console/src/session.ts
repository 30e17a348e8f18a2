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
    if (!stored?.accessToken || !stored.refreshToken || !stored.userId) return undefined;
    if (stored.renewKey) return stored;
    // Stored before sign-ins had one: made now and kept, so a tab duplicated from here on shares it.
    const upgraded = { ...stored, renewKey: newRenewKey() };
    sessionStorage.setItem(KEY, JSON.stringify(upgraded));
    return upgraded;
  } catch {
    return undefined;
  }
}

function newRenewKey(): string {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

/**
 * What one tab does to a session, told to the tabs holding the same one (a duplicated tab): a renewed pair is
 * adopted there, so none of them later renews with a refresh token already replaced (which ends the session
 * everywhere); a sign-out signs them out too. Any script of this origin hears it, so it names the replaced token by
 * its digest and carries the new pair sealed (AES-GCM) under a key from the sign-in's secret, which only tabs of this
 * session hold. Without Web Crypto (a page served over plain HTTP from another host) nothing is told.
 */
interface SessionChange {
  /** SHA-256 of the refresh token replaced. */
  readonly replaces: string;
  /** What became of the session (the new pair, or `null`: it ended), sealed with `replaces` bound to it. */
  readonly sealed: { readonly iv: Uint8Array<ArrayBuffer>; readonly data: ArrayBuffer };
}

const tabs =
  typeof BroadcastChannel === 'function' && globalThis.crypto?.subtle
    ? new BroadcastChannel(`${KEY}.changes`)
    : undefined;
tabs?.addEventListener('message', (event: MessageEvent<SessionChange>) => void receive(event.data));

/** Acts only on what opens under this session's key and names its token: nothing else on the origin can make it. */
async function receive(change: SessionChange | undefined): Promise<void> {
  const mine = current;
  if (!mine || typeof change?.replaces !== 'string' || !change.sealed) return;
  if (change.replaces !== (await digest(mine.refreshToken)) || current !== mine) return;
  let next: Pick<Session, 'accessToken' | 'refreshToken'> | null;
  try {
    const opened = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: change.sealed.iv, additionalData: new TextEncoder().encode(change.replaces) },
      await sealingKey(mine.renewKey),
      change.sealed.data,
    );
    next = JSON.parse(new TextDecoder().decode(opened)) as typeof next;
  } catch {
    return; // not sealed for this session
  }
  if (current !== mine) return;
  adopt(next ? { ...mine, accessToken: next.accessToken, refreshToken: next.refreshToken } : undefined);
}

async function announce(previous: Session, next: Session | undefined): Promise<void> {
  if (!tabs) return;
  const replaces = await digest(previous.refreshToken);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const told = next ? { accessToken: next.accessToken, refreshToken: next.refreshToken } : null;
  const data = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(replaces) },
    await sealingKey(previous.renewKey),
    new TextEncoder().encode(JSON.stringify(told)),
  );
  tabs.postMessage({ replaces, sealed: { iv, data } } satisfies SessionChange);
}

async function digest(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

async function sealingKey(renewKey: string): Promise<CryptoKey> {
  const raw = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`session-change:${renewKey}`));
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function adopt(next: Session | undefined): void {
  current = next;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

export const session = {
  current: (): Session | undefined => current,
  /**
   * A new sign-in (no `renewKey` yet), a renewed pair of the same session (its `renewKey`), or undefined: signed
   * out. Only a renewal or a sign-out is told to the tabs sharing the session; a new sign-in is this tab's own.
   */
  set(next: (Omit<Session, 'renewKey'> & { renewKey?: string }) | undefined): void {
    const previous = current;
    const stored = next ? { ...next, renewKey: next.renewKey ?? newRenewKey() } : undefined;
    adopt(stored);
    const renewal = stored && previous && stored.renewKey === previous.renewKey;
    if (previous && (renewal || !stored) && previous.refreshToken !== stored?.refreshToken)
      void announce(previous, stored).catch(() => undefined);
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useSession(): Session | undefined {
  return useSyncExternalStore(session.subscribe, session.current);
}
