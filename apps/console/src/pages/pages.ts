import { useCallback, useEffect, useRef, useState } from 'react';
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
  // The filters the items on screen were listed under: rows of other filters are never shown under these.
  const [itemsKey, setItemsKey] = useState<string>();
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<string>();
  const [moreError, setMoreError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  // Which list is on screen: a page asked for under earlier filters is dropped when it arrives.
  const shown = useRef(`${key}#${generation}`);
  shown.current = `${key}#${generation}`;
  useEffect(() => {
    let current = true;
    setLoading(true);
    setError(undefined);
    setMoreError(undefined);
    setCursor(undefined);
    load(undefined).then(
      (page) => {
        if (!current) return;
        setItems(page.items);
        setItemsKey(key);
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
    const asked = shown.current;
    setLoading(true);
    setMoreError(undefined);
    load(cursor).then(
      (page) => {
        if (shown.current !== asked) return;
        setItems((previous) => [...(previous ?? []), ...page.items]);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (e: unknown) => {
        if (shown.current !== asked) return;
        setMoreError(messageOf(e));
        setLoading(false);
      },
    );
  }, [cursor, load]);
  return {
    data: itemsKey === key ? items : undefined,
    error,
    loading,
    reload: useCallback(() => setGeneration((g) => g + 1), []),
    more: cursor && itemsKey === key ? more : undefined,
    moreError,
  };
}
