export interface KeyedLanesOptions {
  /** How many messages are handled at once, across keys. */
  readonly concurrency: number;
  /** Called in order for each message once it and every message before it are done: what may be committed. */
  readonly onCommittable?: (index: number) => void;
}

/**
 * Handles a batch of one partition: the messages of one key strictly one after another, in order; those of different
 * keys at the same time, up to `concurrency`. A handler answering `false` (the consumer is stopping) ends the batch:
 * nothing more starts, and only the messages before the lowest unfinished one count as done, so a message handled
 * after an unfinished one is delivered again (at-least-once; handlers are idempotent). Resolves with that count.
 */
export async function handleInKeyedLanes<M>(
  messages: readonly M[],
  keyOf: (message: M) => string,
  handle: (message: M) => Promise<boolean>,
  options: KeyedLanesOptions,
): Promise<number> {
  const done = new Array<boolean>(messages.length).fill(false);
  let committable = 0;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    while (active >= options.concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
  };
  const release = () => {
    active--;
    waiting.shift()?.();
  };
  const lanes = new Map<string, Promise<void>>();
  messages.forEach((message, index) => {
    const key = keyOf(message);
    const lane = (lanes.get(key) ?? Promise.resolve()).then(async () => {
      if (stopped) return;
      await acquire();
      let finished = false;
      try {
        finished = !stopped && (await handle(message));
      } catch (error) {
        failure ??= { error };
      } finally {
        release();
      }
      if (!finished) {
        stopped = true;
        return;
      }
      done[index] = true;
      while (committable < messages.length && done[committable]) {
        const next = committable++;
        try {
          options.onCommittable?.(next);
        } catch (error) {
          // Whatever the consumer could not record stops the batch like a failed handler: nothing more starts.
          failure ??= { error };
          stopped = true;
          return;
        }
      }
    });
    lanes.set(key, lane);
  });
  await Promise.all(lanes.values());
  if (failure) throw failure.error;
  return committable;
}
