/**
 * Long streams (an organization with 200k events) are loaded from a snapshot plus a short tail. The snapshot lives in
 * its own stream, `snapshot-<stream>`, outside the aggregate prefixes the relay follows, so it is never published.
 */
export interface SnapshotPolicy<State> {
  /** Bump when the state's shape changes: snapshots of another version are ignored and rebuilt. */
  readonly version: number;
  /** Earlier versions `fromSnapshot` still reads, so an upgrade does not replay every long stream once. */
  readonly alsoReads?: readonly number[];
  /** Write a new snapshot once the tail read after the last one is at least this long. */
  readonly every: number;
  readonly toSnapshot: (state: State) => unknown;
  readonly fromSnapshot: (snapshot: unknown, version: number) => State;
}

export const SNAPSHOT_EVENT_TYPE = 'AggregateSnapshot';

export interface SnapshotRecord {
  readonly version: number;
  /** Stream revision of the last event the snapshot includes, as a decimal string. */
  readonly revision: string;
  readonly state: unknown;
  /** The stream's latest command ids as of `revision`: `[commandId, revision, fingerprint]`, oldest first. */
  readonly commands?: readonly [string, string, string | null][];
  /** The hash of the event at `revision` (`null` when it has none), so the next append links without reading it. */
  readonly chainHead?: string | null;
}

export function snapshotStreamOf(streamName: string): string {
  return `snapshot-${streamName}`;
}
