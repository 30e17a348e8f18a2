import { jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { type CheckpointStore } from './checkpoint-store';
import { readLastEvent } from './read-last-event';

const CHECKPOINT_EVENT_TYPE = 'CheckpointStored';

/**
 * Keeps a subscriber's checkpoint in the event store itself (stream `checkpoint-<name>`, last event wins), so a write
 * service's relay needs no storage besides the event store it follows. The stream is capped with `$maxCount`.
 */
export class EventStoreCheckpointStore implements CheckpointStore {
  private readonly capped = new Set<string>();

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly keep = 10,
  ) {}

  async load(subscriptionName: string): Promise<string | undefined> {
    const resolved = await readLastEvent(this.client, streamOf(subscriptionName));
    const data = resolved?.event?.data as { position?: unknown } | undefined;
    return typeof data?.position === 'string' ? data.position : undefined;
  }

  async save(subscriptionName: string, position: string): Promise<void> {
    const stream = streamOf(subscriptionName);
    await this.client.appendToStream(stream, jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position } }));
    if (!this.capped.has(stream)) {
      await this.client.setStreamMetadata(stream, { maxCount: this.keep });
      this.capped.add(stream);
    }
  }
}

function streamOf(subscriptionName: string): string {
  return `checkpoint-${subscriptionName}`;
}
