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

/** Loads on mount and whenever `key` changes; `reload` loads again (after a command changed what is shown). */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    loader.current().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error: messageOf(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
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

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
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
