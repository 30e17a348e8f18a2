import { FORWARDS, START, type EventStoreDBClient } from '@eventstore/db-client';
import { openAllRecorded, toRecordedDomainEvent, type RecordedDomainEvent } from '@app/event-store';
import { PersonalDataProtection, type PersonalData } from '@app/personal-data';
import { consumerSchemaRegistry } from '@app/contracts';
import { type PermissionsCatalog } from '@app/permissions';
import { type ReadStore, type Rebuild } from '@app/read-store';
import { PUBLIC_EVENT_MAPPINGS, toPublicEnvelope, type PublicEventMapping } from '@app/relay';
import { COLLECTIONS } from './documents';
import { ReadModelProjector } from './projector';
import { collectionsBy, type ReadModels } from './read-models';
import { directTarget, StagedReadModels, type ProjectionTarget } from './staged-read-models';

export interface RebuildProgress {
  readonly events: number;
  readonly position: bigint;
  readonly eventsPerSecond: number;
  /** Of the events in the store when the rebuild began (all streams, not only the projected ones). */
  readonly fraction: number;
}

const mappings = [PUBLIC_EVENT_MAPPINGS.identity, PUBLIC_EVENT_MAPPINGS.membership];

/** Where a pass over the event store stopped: the next pass goes on after it. */
export interface Projected {
  readonly events: number;
  readonly position: { commit: bigint; prepare: bigint } | undefined;
  /** Events left out: their projection failed and they break their contract (see `projectFromEventStore`). */
  readonly skipped: readonly SkippedEvent[];
}

/** An event recorded in the store that its own contract refuses, which no projection can apply. */
export interface SkippedEvent {
  readonly subject: string;
  readonly revision: number;
  readonly type: string;
  readonly errors: readonly string[];
}

/** Events projected between two flushes of a staged target. */
const EVENTS_PER_BATCH = 5_000;
const EVENTS_OPENED_TOGETHER = 256;

/**
 * How a pass reaches `store`: the in-memory store is written directly; a remote one (MongoDB) through memory, in
 * bulk writes per batch of events.
 */
export function projectionTargetFor(store: ReadStore, models: ReadModels): ProjectionTarget {
  return store.kind === 'in-memory' ? directTarget(models) : new StagedReadModels(models);
}

/**
 * Projects the user and organization events of the event store, oldest first, after `after` (from the start when
 * absent), into `target`: the live collections of an empty store, or a rebuild's fresh ones. Every few thousand
 * events what was projected is written while projecting goes on; the pass ends once everything is written. An event
 * whose projection fails and that breaks its contract (recorded by a fault, which the relay keeps off the topics too)
 * is left out and reported, as the live feed leaves it out: retried, it would fail the pass for ever, and the
 * gateway would never become ready. A projection failing on a valid event fails the pass.
 */
export async function projectFromEventStore(
  client: EventStoreDBClient,
  target: ProjectionTarget,
  catalog: PermissionsCatalog,
  personalData: PersonalData,
  after?: Projected['position'],
  onProgress?: (progress: RebuildProgress) => void,
): Promise<Projected> {
  const projector = new ReadModelProjector(target.models, catalog, personalData.addresses);
  const contracts = consumerSchemaRegistry();
  const skipped: SkippedEvent[] = [];
  // Sealed personal fields are opened as the relay opens them: what was erased reads as erased.
  const protection = new PersonalDataProtection(personalData.vault);
  const last = await lastPosition(client);
  const started = performance.now();
  let events = 0;
  let lastReport = started;
  let position = after;
  const reads = client.readAll({
    direction: FORWARDS,
    fromPosition: after ?? START,
    maxCount: Number.MAX_SAFE_INTEGER,
  });
  // Opened a few hundred at a time: the keys those events need are fetched together, not one after another.
  let pending: { mapping: PublicEventMapping; recorded: RecordedDomainEvent; commit: bigint }[] = [];
  const projectPending = async () => {
    const opened = await openAllRecorded(
      protection,
      pending.map((p) => p.recorded),
    );
    for (const [i, { mapping, commit }] of pending.entries()) {
      const envelope = toPublicEnvelope(mapping, opened[i]!);
      try {
        await projector.apply(envelope);
      } catch (error) {
        const contract = contracts.validate(envelope.type, envelope.data);
        if (contract.ok || contract.reason !== 'invalid') throw error;
        const { subject, revision, type } = envelope;
        skipped.push({ subject, revision: Number(revision), type, errors: contract.errors });
      }
      events++;
      if (events % EVENTS_PER_BATCH === 0) await target.writeBehind();
      const now = performance.now();
      if (onProgress && now - lastReport > 1_000) {
        lastReport = now;
        onProgress({
          events,
          position: commit,
          eventsPerSecond: events / ((now - started) / 1000),
          fraction: last > 0n ? Number(commit) / Number(last) : 1,
        });
      }
    }
    pending = [];
  };
  for await (const resolved of reads) {
    const at = resolved.event?.position;
    if (after && at && at.commit === after.commit && at.prepare === after.prepare) continue;
    if (at) position = at;
    const streamId = resolved.event?.streamId ?? '';
    const mapping = mappings.find((m) => streamId.startsWith(m.streamPrefix));
    if (!mapping) continue;
    const recorded = toRecordedDomainEvent(resolved);
    if (!recorded) continue;
    pending.push({ mapping, recorded, commit: at?.commit ?? 0n });
    if (pending.length >= EVENTS_OPENED_TOGETHER) await projectPending();
  }
  await projectPending();
  await target.flush();
  return { events, position, skipped };
}

/**
 * Rebuilds every read model without downtime: projects the whole event store into fresh collections while reads and
 * the live feed keep using the current ones, catches up with what was appended meanwhile, then - with the feed held
 * for that moment only (`exclusive`) - takes the last events and switches every collection over. The feed then goes
 * on into the new collections; what they already hold is skipped by the revision guard.
 */
export async function rebuildReadModels(options: {
  readonly client: EventStoreDBClient;
  readonly store: ReadStore;
  readonly catalog: PermissionsCatalog;
  readonly personalData: PersonalData;
  readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>;
  readonly onProgress?: (progress: RebuildProgress) => void;
}): Promise<{ events: number; switchedAfter: Projected['position']; skipped: readonly SkippedEvent[] }> {
  const { client, store, catalog, personalData } = options;
  const rebuilds = new Map(
    await Promise.all(
      Object.values(COLLECTIONS).map(async (name) => [name, await store.beginRebuild(name)] as const),
    ),
  );
  const target = projectionTargetFor(
    store,
    collectionsBy((name) => rebuilds.get(name)!.collection as never),
  );
  try {
    let pass = await projectFromEventStore(
      client,
      target,
      catalog,
      personalData,
      undefined,
      options.onProgress,
    );
    let events = pass.events;
    const skipped = [...pass.skipped];
    for (let round = 0; round < 3 && pass.events > 0; round++) {
      pass = await projectFromEventStore(client, target, catalog, personalData, pass.position);
      events += pass.events;
      skipped.push(...pass.skipped);
    }
    return await options.exclusive(async () => {
      const last = await projectFromEventStore(client, target, catalog, personalData, pass.position);
      // All at once: another process never sees some collections rebuilt and others not.
      await store.swapTogether([...rebuilds.values()] as Rebuild<never>[]);
      return {
        events: events + last.events,
        switchedAfter: last.position,
        skipped: [...skipped, ...last.skipped],
      };
    });
  } catch (error) {
    for (const rebuild of rebuilds.values()) await rebuild.abort();
    throw error;
  }
}

async function lastPosition(client: EventStoreDBClient): Promise<bigint> {
  let position = 0n;
  for await (const resolved of client.readAll({ direction: 'backwards', fromPosition: 'end', maxCount: 1 }))
    position = resolved.event?.position?.commit ?? 0n;
  return position;
}
