/**
 * What an e2e file started and may leave running: a platform still starting when its `beforeAll` timed out (the
 * file's `afterAll` had nothing to close), or one a failing file never closed. Left running, its consumers would go
 * on in the consumer groups shared with the next file's platforms. `close-left-open.setup.ts` closes them after each
 * file; closing what was closed already is a no-op.
 */
const leftOpen = new Set<Promise<{ close(): Promise<void> } | undefined>>();

/** Tracks something starting; a start that fails is taken to have stopped what it started. */
export function trackStarting<T extends { close(): Promise<void> }>(starting: Promise<T>): Promise<T> {
  leftOpen.add(starting.catch(() => undefined));
  return starting;
}

/** Closes what is open; a start that does not end within a minute is given up on (the others are closed still). */
export async function closeLeftOpen(): Promise<void> {
  const left = [...leftOpen];
  leftOpen.clear();
  const failures: unknown[] = [];
  const giveUp = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 60_000).unref());
  for (const started of await Promise.all(left.map((starting) => Promise.race([starting, giveUp]))))
    await started?.close().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
}
