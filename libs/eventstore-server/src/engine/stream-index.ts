import { type StoredEvent } from '../storage/stored-event';

/** What the engine knows of one stream. Revisions are contiguous from 0; `eventIds[r]` covers pending appends too. */
export class StreamIndex {
  /** Committed (durable, readable) events; `committed[r]` has revision r. */
  readonly committed: StoredEvent[] = [];
  readonly eventIds: string[] = [];
  readonly revisionOfId = new Map<string, number>();
  /** Set by a soft delete, cleared by the next append (EventStoreDB recreates a soft-deleted stream on append). */
  deleted = false;
  truncateBefore = 0;
  maxCount: number | undefined;

  constructor(readonly name: string) {}

  /** Revision the next append gets (pending appends included). */
  get nextRevision(): number {
    return this.eventIds.length;
  }

  /** Whether the stream exists for expected-revision checks. */
  get exists(): boolean {
    return this.eventIds.length > 0 && !this.deleted;
  }

  /** First revision a reader may see, honouring `$tb` (truncate-before) and `$maxCount` from stream metadata. */
  get firstVisibleRevision(): number {
    const byCount = this.maxCount === undefined ? 0 : this.committed.length - this.maxCount;
    return Math.max(this.truncateBefore, byCount, 0);
  }

  get readable(): boolean {
    return this.committed.length > 0 && !(this.deleted && this.firstVisibleRevision >= this.committed.length);
  }
}
