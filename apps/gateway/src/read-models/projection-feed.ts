import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { TOPICS } from '@app/contracts';
import { EVENT_STORE_CLIENT } from '@app/event-store';
import { type PersonalData } from '@app/personal-data';
import { NotReady, PERSONAL_DATA, Readiness } from '@app/platform';
import {
  BusSubscriber,
  DependencyUnavailableError,
  MESSAGE_BUS,
  subscribeToEvents,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { type PermissionsCatalog } from '@app/permissions';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG, PERMISSIONS_CATALOG } from '../gateway.tokens';
import { EventStoreHistory } from './aggregate-history';
import { COLLECTIONS } from './documents';
import { ReadModelProjector } from './projector';
import { readModelsOf } from './read-models';
import { directTarget } from './staged-read-models';
import {
  projectFromEventStore,
  projectionTargetFor,
  rebuildReadModels,
  type SkippedEvent,
  type RebuildProgress,
} from './rebuild';

/** Saved in the read store's checkpoints once the first fill of its read models from the event store is complete. */
export const FIRST_FILL_CHECKPOINT = 'gateway.read-models.first-fill';
/** Saved before the first fill writes anything: with it and without the checkpoint, a fill was cut short. */
export const FIRST_FILL_STARTED = 'gateway.read-models.first-fill-started';

/** A first fill (or a rebuild's pass after its switch) that failed is tried again after this long, doubling up to the maximum, until it succeeds. */
const FILL_RETRY_MS = { first: 500, max: 30_000 };

/**
 * Keeps the read models up to date from `identity.user.v1` and `membership.organization.v1` (consumer group
 * `READ_MODEL_GROUP`, one event at a time per partition). A store whose first fill is not recorded as complete
 * (the in-memory one at every start, a MongoDB one never filled or left part-filled) is first filled from the event
 * store, again and again until that succeeds; until then live events are retried by the bus as in an outage, never
 * dead-lettered. A rebuild holds the feed only while it switches.
 */
@Injectable()
export class ProjectionFeed extends BusSubscriber {
  private readonly logger = new Logger(ProjectionFeed.name);
  private readonly projector: ReadModelProjector;
  /** Serialises live events against a rebuild's switch. */
  private lock: Promise<unknown> = Promise.resolve();
  private filled: Promise<void> | undefined;
  private isFilled = false;
  private readonly stopping = new AbortController();

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
    @Inject(PERMISSIONS_CATALOG) private readonly catalog: PermissionsCatalog,
    @Inject(PERSONAL_DATA) private readonly personalData: PersonalData,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    readiness: Readiness,
  ) {
    super();
    this.projector = new ReadModelProjector(
      readModelsOf(store),
      catalog,
      personalData.addresses,
      new EventStoreHistory(client, personalData),
      ({ kind, id, from, to }) =>
        this.logger.warn(
          `${kind} ${id}: revisions ${from}-${to} never reached the read models and can no longer be read from the ` +
            `event store; the next was projected without them (npm run read-models:rebuild makes them whole)`,
        ),
    );
    // Not ready for traffic until filled: the routes that read the models would answer 503 meanwhile.
    readiness.add({
      name: 'read-models',
      check: async () => {
        if (!this.isFilled) throw new NotReady('being filled from the event store');
      },
    });
  }

  /**
   * Resolves once the read models hold what the event store held at start; rejects only when the service stops
   * first.
   */
  ready(): Promise<void> {
    this.filled ??= this.fillUntilDone().then(() => {
      this.isFilled = true;
    });
    return this.filled;
  }

  /**
   * For handlers: throws until the first fill is complete, as an outage the bus retries without counting. A handler
   * that waited for the fill instead would hold its consumer (and a shutdown) for as long as the fill takes.
   */
  requireFilled(): void {
    if (this.isFilled) return;
    void this.ready().catch(() => undefined);
    throw new DependencyUnavailableError('the read models are still being filled from the event store');
  }

  override async beforeApplicationShutdown(): Promise<void> {
    // A fill waiting to be tried again (and a rebuild waiting for it) gives up: nothing holds the process up.
    this.stopping.abort();
    await super.beforeApplicationShutdown();
  }

  protected async subscribe(): Promise<Subscription> {
    void this.ready().catch(() => undefined); // stopped before the fill was done: nothing to report
    return subscribeToEvents(this.bus, {
      groupId: this.config.readModelGroup,
      topics: [TOPICS.identityUsers, TOPICS.membershipOrganizations],
      handler: async (event) => {
        this.requireFilled();
        // One generation of the collections for the whole event, even if another process's rebuild switches them.
        await this.exclusive(() => this.store.consistently(() => this.projector.apply(event)));
      },
    });
  }

  /**
   * After the first fill: a switch in the middle of it would split the fill's writes between two generations. Once
   * switched, and once other instances can no longer be writing into the retired collections, what was appended
   * since the switch is projected again: an instance that applied it there did so where nobody reads any more.
   */
  async rebuild(
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<{ events: number; position: bigint | undefined }> {
    await this.ready();
    const { events, switchedAfter, skipped } = await rebuildReadModels({
      client: this.client,
      store: this.store,
      catalog: this.catalog,
      personalData: this.personalData,
      exclusive: (work) => this.exclusive(work),
      ...(onProgress ? { onProgress } : {}),
    });
    if (this.store.switchSettlesAfterMs > 0) {
      await sleep(this.store.switchSettlesAfterMs, undefined, { signal: this.stopping.signal });
      // The reads have switched already: this pass is tried again until it succeeds, like a first fill.
      await this.untilDone('events appended since the switch not projected again', () =>
        this.exclusive(() =>
          projectFromEventStore(
            this.client,
            directTarget(readModelsOf(this.store)),
            this.catalog,
            this.personalData,
            switchedAfter,
          ),
        ),
      );
    }
    this.reportSkipped(skipped);
    return { events, position: switchedAfter?.commit };
  }

  /** Events the store holds that their contract refuses: left out of the read models, for an operator to look at. */
  private reportSkipped(skipped: readonly SkippedEvent[]): void {
    for (const { subject, revision, type, errors } of skipped)
      this.logger.warn(
        `event ${type} at revision ${revision} of ${subject} breaks its contract and was left out of the read models: ${errors.join('; ')}`,
      );
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private fillUntilDone(): Promise<void> {
    return this.untilDone('read models not filled from the event store', () => this.fillUnlessFilled());
  }

  /** `work` again and again, waiting longer each time, until it succeeds or the service stops. */
  private async untilDone<T>(failure: string, work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (this.stopping.signal.aborted) throw error;
        const waitMs = Math.min(FILL_RETRY_MS.max, FILL_RETRY_MS.first * 2 ** (attempt - 1));
        this.logger.error(`${failure} (attempt ${attempt}, next in ${waitMs} ms): ${String(error)}`);
        await sleep(waitMs, undefined, { signal: this.stopping.signal });
      }
    }
  }

  /**
   * Projects the whole event store into the live collections unless a fill was completed before. Writes are guarded
   * by revision, so a fill over what an earlier one cut short leaves what a fill of an empty store does.
   */
  private async fillUnlessFilled(): Promise<void> {
    const { checkpoints } = this.store;
    if (await checkpoints.load(FIRST_FILL_CHECKPOINT)) return;
    if (!(await checkpoints.load(FIRST_FILL_STARTED)) && !(await this.isEmpty())) {
      // Filled before fills were recorded, and kept up to date since: filling it again would replay old values over
      // what replicas already running write meanwhile.
      await checkpoints.save(FIRST_FILL_CHECKPOINT, 'found filled');
      return;
    }
    await checkpoints.save(FIRST_FILL_STARTED, new Date().toISOString());
    const { events, position, skipped } = await projectFromEventStore(
      this.client,
      projectionTargetFor(this.store, readModelsOf(this.store)),
      this.catalog,
      this.personalData,
    );
    this.reportSkipped(skipped);
    await checkpoints.save(
      FIRST_FILL_CHECKPOINT,
      position ? `${position.commit}/${position.prepare}` : 'start',
    );
    this.logger.log(`read models filled from the event store (${events} events)`);
  }

  private async isEmpty(): Promise<boolean> {
    const organizations = this.store.collection(COLLECTIONS.organizations);
    const users = this.store.collection(COLLECTIONS.users);
    return (await organizations.count({})) === 0 && (await users.count({})) === 0;
  }
}
