import { BACKWARDS, END, type EventStoreDBClient } from '@eventstore/db-client';
import { type DomainEvent } from '@app/domain';
import { InMemoryCheckpointStore } from './checkpoint-store';
import { followAll, type RunningSubscription } from './catch-up-subscription';
import { type RecordedDomainEvent } from './recorded-event';
import { type StoredDataProtection } from './stored-data-protection';

/**
 * An index still reading the event store (e.g. from the start, after a restart): a wait to be retried, not a failure
 * of what asked. The bus knows it by its name and holds the message rather than dead-letter it.
 */
export class IndexBehindError extends Error {
  constructor(index: string) {
    super(`${index} is behind the event store`);
    this.name = 'IndexBehindError';
  }
}

export interface InMemoryIndex extends RunningSubscription {
  /** Resolves once the index has applied every event that exists in the store now; rejects after `timeoutMs`. */
  catchUp(timeoutMs?: number): Promise<void>;
}

/**
 * A small derived index kept in memory and rebuilt from `$all` at every start (it needs no storage of its own).
 * Unfiltered on purpose: the checkpoint then moves over every event, so "has it read everything until now" is a
 * comparison with the newest position in `$all`.
 */
export function followIntoMemory<E extends DomainEvent>(options: {
  readonly name: string;
  readonly client: EventStoreDBClient;
  readonly apply: (event: RecordedDomainEvent<E>) => void;
  readonly onError?: (error: unknown) => void;
  readonly protection?: StoredDataProtection;
}): InMemoryIndex {
  const progress = new InMemoryCheckpointStore();
  const running = followAll<E>({
    name: options.name,
    client: options.client,
    checkpoints: progress,
    checkpointEveryMs: 0,
    maxBatchSize: 500,
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.protection ? { protection: options.protection } : {}),
    handle: async (events) => events.forEach(options.apply),
  });
  const appliedUpTo = async () => {
    const checkpoint = await progress.load(options.name);
    return checkpoint === undefined ? -1n : BigInt(checkpoint.split('/')[0]!);
  };
  return {
    stop: () => running.stop(),
    catchUp: async (timeoutMs = 10_000) => {
      const latest = await newestPosition(options.client);
      const deadline = Date.now() + timeoutMs;
      while (latest !== undefined && (await appliedUpTo()) < latest) {
        if (Date.now() > deadline) throw new IndexBehindError(options.name);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

async function newestPosition(client: EventStoreDBClient): Promise<bigint | undefined> {
  let latest: bigint | undefined;
  for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
    latest = resolved.event?.position.commit;
  }
  return latest;
}
