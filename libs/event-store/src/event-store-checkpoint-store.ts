import {
  jsonEvent,
  NO_STREAM,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type EventStoreDBClient,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { type CheckpointStore } from './checkpoint-store';
import { readLastEvent } from './read-last-event';

const CHECKPOINT_EVENT_TYPE = 'CheckpointStored';
const SAVE_ATTEMPTS = 5;

/**
 * Keeps a subscriber's checkpoint in the event store itself (stream `checkpoint-<name>`, last event wins), so a write
 * service's relay needs no storage besides the event store it follows. The stream is capped with `$maxCount`.
 *
 * A checkpoint never moves back: each save expects the checkpoint stream where this store last saw it, and one that
 * finds it moved (another holder of the subscription, such as the relay's next leader while an old leader's last
 * batch was still in flight) keeps the other's position when it is further on.
 */
export class EventStoreCheckpointStore implements CheckpointStore {
  private readonly capped = new Set<string>();
  /** Where each checkpoint stream was when this store last read or wrote it. */
  private readonly seenAt = new Map<string, AppendExpectedRevision>();

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly keep = 10,
  ) {}

  async load(subscriptionName: string): Promise<string | undefined> {
    return positionOf(await this.readLast(streamOf(subscriptionName)));
  }

  async save(subscriptionName: string, position: string): Promise<void> {
    const stream = streamOf(subscriptionName);
    for (let attempt = 1; ; attempt++) {
      const expected = this.seenAt.get(stream);
      try {
        const { nextExpectedRevision } = await this.client.appendToStream(
          stream,
          jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position } }),
          expected === undefined ? {} : { expectedRevision: expected },
        );
        this.seenAt.set(stream, nextExpectedRevision);
        break;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt === SAVE_ATTEMPTS) throw error;
        const stored = positionOf(await this.readLast(stream));
        if (stored !== undefined && !isPast(position, stored)) return;
      }
    }
    if (!this.capped.has(stream)) {
      await this.client.setStreamMetadata(stream, { maxCount: this.keep });
      this.capped.add(stream);
    }
  }

  private async readLast(stream: string): Promise<ResolvedEvent | undefined> {
    const last = await readLastEvent(this.client, stream);
    this.seenAt.set(stream, last?.event ? last.event.revision : NO_STREAM);
    return last;
  }
}

function streamOf(subscriptionName: string): string {
  return `checkpoint-${subscriptionName}`;
}

function positionOf(resolved: ResolvedEvent | undefined): string | undefined {
  const data = resolved?.event?.data as { position?: unknown } | undefined;
  return typeof data?.position === 'string' ? data.position : undefined;
}

/** Positions are `commit/prepare` (`$all`) or a revision (one stream): the first number orders them. */
function isPast(position: string, other: string): boolean {
  return leading(position) > leading(other);
}

function leading(position: string): bigint {
  return BigInt(position.split('/')[0]!);
}
