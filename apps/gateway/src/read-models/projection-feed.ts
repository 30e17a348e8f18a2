import { Inject, Injectable, Logger } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { TOPICS } from '@app/contracts';
import { EVENT_STORE_CLIENT } from '@app/event-store';
import { type PersonalData } from '@app/personal-data';
import { PERSONAL_DATA } from '@app/platform';
import {
  BusSubscriber,
  MESSAGE_BUS,
  subscribeToEvents,
  type MessageBus,
  type Subscription,
} from '@app/messaging';
import { type PermissionsCatalog } from '@app/permissions';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { PERMISSIONS_CATALOG } from '../gateway.tokens';
import { COLLECTIONS } from './documents';
import { ReadModelProjector } from './projector';
import { readModelsOf } from './read-models';
import {
  projectFromEventStore,
  projectionTargetFor,
  rebuildReadModels,
  type RebuildProgress,
} from './rebuild';

/** The consumer group the gateway's projections read the topics in. */
export const PROJECTION_GROUP = 'gateway.read-models';

/**
 * Keeps the read models up to date from `identity.user.v1` and `membership.organization.v1` (consumer group
 * `gateway.read-models`, one event at a time per partition). An empty store (the in-memory one at every start) is
 * first filled from the event store; live events wait until then. A rebuild holds the feed only while it switches.
 */
@Injectable()
export class ProjectionFeed extends BusSubscriber {
  private readonly logger = new Logger(ProjectionFeed.name);
  private readonly projector: ReadModelProjector;
  /** Serialises live events against a rebuild's switch. */
  private lock: Promise<unknown> = Promise.resolve();
  private filled: Promise<void> | undefined;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
    @Inject(PERMISSIONS_CATALOG) private readonly catalog: PermissionsCatalog,
    @Inject(PERSONAL_DATA) private readonly personalData: PersonalData,
  ) {
    super();
    this.projector = new ReadModelProjector(readModelsOf(store), catalog, personalData.addresses);
  }

  /** Resolves once the read models hold what the event store held at start. */
  ready(): Promise<void> {
    this.filled ??= this.fillIfEmpty();
    return this.filled;
  }

  protected async subscribe(): Promise<Subscription> {
    void this.ready().catch((error: unknown) =>
      this.logger.error(`read models not filled: ${String(error)}`),
    );
    return subscribeToEvents(this.bus, {
      groupId: PROJECTION_GROUP,
      topics: [TOPICS.identityUsers, TOPICS.membershipOrganizations],
      handler: async (event) => {
        await this.ready();
        await this.exclusive(() => this.projector.apply(event));
      },
    });
  }

  rebuild(onProgress?: (progress: RebuildProgress) => void): Promise<number> {
    return rebuildReadModels({
      client: this.client,
      store: this.store,
      catalog: this.catalog,
      personalData: this.personalData,
      exclusive: (work) => this.exclusive(work),
      ...(onProgress ? { onProgress } : {}),
    });
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async fillIfEmpty(): Promise<void> {
    const organizations = this.store.collection(COLLECTIONS.organizations);
    const users = this.store.collection(COLLECTIONS.users);
    if ((await organizations.count({})) > 0 || (await users.count({})) > 0) return;
    const { events } = await projectFromEventStore(
      this.client,
      projectionTargetFor(this.store, readModelsOf(this.store)),
      this.catalog,
      this.personalData,
    );
    this.logger.log(`read models filled from the event store (${events} events)`);
  }
}
