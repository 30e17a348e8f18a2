/**
 * Messages counted within a span of time, by key: each key's window maps a message's id to when it was counted, so a
 * message delivered again is recognised and not counted twice.
 */
export type TimeWindows = Map<string, Map<string, number>>;

/** The messages counted under `key` within the last `span` (older ones dropped). */
export function windowOf(windows: TimeWindows, key: string, now: number, span: number): Map<string, number> {
  let window = windows.get(key);
  if (!window) windows.set(key, (window = new Map()));
  for (const [id, at] of window) if (now - at >= span) window.delete(id);
  return window;
}

/** Drops what is older than `span` from every window, and the windows left empty. */
export function forgetOlder(windows: TimeWindows, now: number, span: number): void {
  for (const [key, window] of windows) {
    for (const [id, at] of window) if (now - at >= span) window.delete(id);
    if (window.size === 0) windows.delete(key);
  }
}
