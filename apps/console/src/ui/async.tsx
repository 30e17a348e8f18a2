import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { problemMessage } from '../api/problem';
import { ApiError } from '../api/client';

export function messageOf(error: unknown): string {
  return error instanceof ApiError
    ? problemMessage(error.problem)
    : 'The service could not be reached. Please try again.';
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/**
 * Loads on mount and whenever `key` changes; `reload` loads again (after a command changed what is shown). What was
 * loaded under another key (another organization, filter or member) is never returned, not even for the one render
 * before the new load starts.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: string; loading: boolean }>({
    key,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let current = true;
    setState((previous) => (previous.key === key ? { ...previous, loading: true } : { key, loading: true }));
    loader.current().then(
      (data) => current && setState({ key, data, loading: false }),
      (error: unknown) => current && setState({ key, error: messageOf(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const mine = state.key === key;
  return {
    data: mine ? state.data : undefined,
    error: mine ? state.error : undefined,
    loading: mine ? state.loading : true,
    reload,
  };
}

/** Runs a command: busy while it runs, its refusal in words afterwards. */
export function useAction(): {
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly run: (action: () => Promise<unknown>) => Promise<boolean>;
  readonly clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: useCallback(() => setError(undefined), []) };
}

export function Alert({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p className="alert" role="alert">
      {children}
    </p>
  );
}

/**
 * What a command did. The live region stays on the page, empty until there is something to say, so screen readers
 * announce the text when it appears.
 */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className={children ? 'notice' : 'visually-hidden'} role="status">
      {children}
    </p>
  );
}

/**
 * A command: busy while it runs, then a notice of what it did, or its refusal in words. The page's data is read
 * again afterwards; when the gateway answered 202 (its read models had not shown the change yet) once more a little
 * later, and the notice says so.
 */
export function useCommand(reload: () => void) {
  const action = useAction();
  const [done, setDone] = useState<string>();
  const command = useCallback(
    (what: string, call: () => Promise<{ lagging: boolean }>) => {
      setDone(undefined);
      return action.run(async () => {
        const { lagging } = await call();
        setDone(lagging ? `${what} It may take a moment to show everywhere.` : what);
        reload();
        if (lagging) setTimeout(reload, 1_500);
      });
    },
    [action.run, reload],
  );
  return { busy: action.busy, error: action.error, done, command, clear: action.clear };
}

/** Loading, a refusal, nothing yet, or the content. */
export function Show<T>({
  loaded,
  empty,
  children,
}: {
  loaded: Loaded<T>;
  empty?: (data: T) => string | undefined;
  children: (data: T) => ReactNode;
}) {
  if (loaded.error) return <Alert>{loaded.error}</Alert>;
  if (loaded.data === undefined)
    return (
      <p className="loading" role="status" aria-live="polite">
        Loading…
      </p>
    );
  const nothing = empty?.(loaded.data);
  if (nothing) return <p className="empty">{nothing}</p>;
  return <>{children(loaded.data)}</>;
}
