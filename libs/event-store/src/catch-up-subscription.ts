import {
  START,
  eventTypeFilter,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventStoreDBClient,
  type ResolvedEvent,
  type StreamSubscription,
  type Filter,
} from '@eventstore/db-client';
import { type DomainEvent } from '@app/domain';
import { type CheckpointStore } from './checkpoint-store';
import { parsePosition, toRecordedDomainEvent, type RecordedDomainEvent } from './recorded-event';
import { noUpcasters, type Upcasters } from './upcasting';
import { openAllRecorded, type StoredDataProtection } from './stored-data-protection';

export interface AllStreamFilter {
  readonly streamPrefixes?: readonly string[];
  readonly eventTypePrefixes?: readonly string[];
}

export interface FollowOptions<E extends DomainEvent = DomainEvent> {
  /** Names the checkpoint; two followers with the same name share progress. */
  readonly name: string;
  readonly client: EventStoreDBClient;
  readonly checkpoints: CheckpointStore;
  /** Called with up to `maxBatchSize` events; the next batch starts only after this one resolved. */
  readonly handle: (events: readonly RecordedDomainEvent<E>[]) => Promise<void>;
  readonly maxBatchSize?: number;
  readonly upcasters?: Upcasters;
  /** Opens sealed personal fields before `handle` sees them. */
  readonly protection?: StoredDataProtection;
  /**
   * Save the checkpoint at most this often (and always on stop). 0 saves after every batch. A crash replays what
   * was handled since the last save, which consumers absorb by being idempotent.
   */
  readonly checkpointEveryMs?: number;
  /** After a failure (handler or connection), resubscribe from the last checkpoint after this pause. */
  readonly retryDelayMs?: number;
  readonly onError?: (error: unknown) => void;
  readonly onCaughtUp?: () => void;
}

export interface CatchUpSubscriptionOptions<E extends DomainEvent = DomainEvent> extends FollowOptions<E> {
  readonly filter?: AllStreamFilter;
}

/** What differs between following `$all` and following one stream: how to subscribe, and what a checkpoint is. */
interface Source {
  subscribe(checkpoint: string | undefined): Subscribed;
  checkpointOf(resolved: ResolvedEvent): string | undefined;
}
type Subscribed = AllStreamSubscription | StreamSubscription;

export interface RunningSubscription {
  stop(): Promise<void>;
}

/**
 * Follows `$all` from a stored checkpoint (`commit/prepare`), optionally filtered by stream or event-type prefixes.
 * Events are handled strictly one batch after another, and the checkpoint is saved only after a batch was handled,
 * so a crash at any point replays (never skips) what was not confirmed; consumers are therefore idempotent. A failure
 * resubscribes from the last handled position; it never skips an event.
 */
export function followAll<E extends DomainEvent>(
  options: CatchUpSubscriptionOptions<E>,
): RunningSubscription {
  return follow(options, {
    subscribe: (checkpoint) =>
      options.client.subscribeToAll({
        fromPosition: checkpoint ? parsePosition(checkpoint) : START,
        ...(options.filter ? { filter: toClientFilter(options.filter) } : {}),
      }),
    checkpointOf: (resolved) => {
      const position = (resolved as AllStreamResolvedEvent).event?.position;
      return position ? `${position.commit}/${position.prepare}` : undefined;
    },
  });
}

/** Follows one stream from a stored checkpoint (the last handled revision), with the same guarantees as followAll. */
export function followStream<E extends DomainEvent>(
  options: FollowOptions<E> & { readonly streamName: string },
): RunningSubscription {
  return follow(options, {
    subscribe: (checkpoint) =>
      options.client.subscribeToStream(options.streamName, {
        fromRevision: checkpoint === undefined ? START : BigInt(checkpoint),
      }),
    checkpointOf: (resolved) => resolved.event?.revision.toString(),
  });
}

function follow<E extends DomainEvent>(options: FollowOptions<E>, source: Source): RunningSubscription {
  let stopped = false;
  let current: Subscribed | undefined;
  const maxBatchSize = options.maxBatchSize ?? 1;
  const checkpointEveryMs = options.checkpointEveryMs ?? 0;
  let handledUpTo: string | undefined;
  let savedUpTo: string | undefined;
  let lastSaveAt = 0;
  const saveCheckpoint = async (force: boolean) => {
    if (handledUpTo === undefined || handledUpTo === savedUpTo) return;
    if (!force && Date.now() - lastSaveAt < checkpointEveryMs) return;
    const position = handledUpTo;
    await options.checkpoints.save(options.name, position);
    savedUpTo = position;
    lastSaveAt = Date.now();
  };

  const runOnce = async (): Promise<void> => {
    // Within this process, what was handled is known exactly; only a fresh start needs the stored checkpoint.
    if (handledUpTo === undefined) handledUpTo = savedUpTo = await options.checkpoints.load(options.name);
    const subscription = source.subscribe(handledUpTo);
    current = subscription;
    // stop() may have come while the checkpoint was loading, before there was a subscription to cut.
    if (stopped) subscription.destroy();
    // Listen for errors for the subscription's whole life: an 'error' emitted while a batch is being handled (or when
    // stop() cancels the call) would otherwise be an unhandled error event and take the process down. The stream is
    // destroyed after an error, so the read loop below ends; the error is then reported and we resubscribe.
    let streamError: unknown;
    subscription.on('error', (error: unknown) => {
      streamError ??= error;
      // The client emits the error without ending the stream; end it so the read loop stops waiting.
      subscription.destroy();
    });
    if (options.onCaughtUp) subscription.on('caughtUp', options.onCaughtUp);
    for await (const batch of readBatches(subscription, maxBatchSize)) {
      if (stopped) return;
      const events: RecordedDomainEvent<E>[] = [];
      for (const resolved of batch) {
        const recorded = toRecordedDomainEvent<E>(
          resolved as ResolvedEvent,
          options.upcasters ?? noUpcasters,
        );
        if (recorded && !recorded.streamName.startsWith('$')) events.push(recorded);
      }
      if (events.length > 0)
        await options.handle(options.protection ? await openAllRecorded(options.protection, events) : events);
      const last = source.checkpointOf(batch[batch.length - 1] as ResolvedEvent);
      if (last !== undefined) handledUpTo = last;
      await saveCheckpoint(false);
    }
    if (streamError !== undefined && !stopped) throw streamError;
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await runOnce();
      } catch (error) {
        if (stopped) return;
        options.onError?.(error);
      } finally {
        await current?.unsubscribe().catch(() => undefined);
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 500));
    }
  })();

  return {
    async stop() {
      stopped = true;
      current?.destroy();
      await loop;
      // Best effort: if the store is already gone, the next start replays from the previous checkpoint (at-least-once).
      await saveCheckpoint(true).catch((error: unknown) => options.onError?.(error));
    },
  };
}

/**
 * Takes whatever the subscription has delivered, up to `max`, so bursts are handled in batches and trickles one by
 * one. The subscription keeps flowing into a queue of its own while a batch is being handled (a publish waiting for
 * the broker, say), up to `max * 4` events, where it is paused: the stream's own buffer (16 events) would otherwise
 * stop the reading at every batch and make batches of 16.
 */
async function* readBatches(readable: Subscribed, max: number): AsyncGenerator<unknown[]> {
  const highWater = Math.max(max * 4, 64);
  const queue: unknown[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const onData = (item: unknown) => {
    queue.push(item);
    if (queue.length >= highWater) readable.pause();
    signal();
  };
  const onEnd = () => {
    ended = true;
    signal();
  };
  const onError = (error: unknown) => {
    failure ??= { error };
    signal();
  };
  readable.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
  try {
    for (;;) {
      if (queue.length > 0) {
        const batch = queue.splice(0, max);
        if (readable.isPaused() && queue.length < highWater) readable.resume();
        yield batch;
        continue;
      }
      if (failure) throw failure.error;
      if (ended || readable.destroyed) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    readable.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
  }
}

function toClientFilter(filter: AllStreamFilter): Filter {
  if (filter.streamPrefixes?.length && filter.eventTypePrefixes?.length) {
    throw new Error('EventStoreDB filters on stream names or on event types, not both');
  }
  if (filter.streamPrefixes?.length) return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  return eventTypeFilter({ prefixes: [...(filter.eventTypePrefixes ?? [])] });
}
