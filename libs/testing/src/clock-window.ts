/**
 * Waits, if need be, for the next fixed window of `windowMs` (windows start at multiples of it since the epoch), so
 * that at least `needMs` of one window remain: for a sequence whose outcome depends on falling within one window,
 * such as a rate limit's minute or a TOTP code's 30-second step.
 */
export async function withinOneWindow(needMs: number, windowMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
