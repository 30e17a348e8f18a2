import { useCallback, useEffect, useState } from 'react';
import { messageOf, type Loaded } from '../ui/async';

interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** A cursor-paged list: the first page on mount or when `key` changes, then `more` appends the next. */
export function usePages<T>(
  load: (cursor: string | undefined) => Promise<Page<T>>,
  key: string,
): Loaded<T[]> & { readonly more: (() => void) | undefined; readonly moreError: string | undefined } {
  const [items, setItems] = useState<T[]>();
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<string>();
  const [moreError, setMoreError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    setError(undefined);
    load(undefined).then(
      (page) => {
        if (!current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (e: unknown) => {
        if (!current) return;
        setError(messageOf(e));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [key, generation]);
  const more = useCallback(() => {
    setLoading(true);
    setMoreError(undefined);
    load(cursor).then(
      (page) => {
        setItems((previous) => [...(previous ?? []), ...page.items]);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (e: unknown) => {
        setMoreError(messageOf(e));
        setLoading(false);
      },
    );
  }, [cursor, load]);
  return {
    data: items,
    error,
    loading,
    reload: useCallback(() => setGeneration((g) => g + 1), []),
    more: cursor ? more : undefined,
    moreError,
  };
}
