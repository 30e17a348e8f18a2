import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BACKWARDS, END, type EventStoreDBClient } from '@eventstore/db-client';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import {
  EVENT_STORE_CLIENT,
  InMemoryCheckpointStore,
  followAll,
  type RunningSubscription,
} from '@app/event-store';
import { MESSAGE_BUS, subscribeToEvents, type MessageBus, type Subscription } from '@app/messaging';
import { OrganizationCommandHandler } from '../commands/organization-command-handler';
import { SYSTEM_ACTOR } from '../organizations/organization.decider';
import { type OrganizationEvent } from '../organizations/organization.events';
import { UserMemberships } from './user-memberships';

/**
 * Membership's reactions to identity events. R10: a deleted user leaves every organization, and the organizations
 * they own are deleted (identity only publishes an owner's deletion with their confirmation). Each reaction's command
 * id derives from the event id and the organization, so a redelivered event changes nothing.
 */
@Injectable()
export class IdentityReactions implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdentityReactions.name);
  private readonly memberships = new UserMemberships();
  private readonly indexProgress = new InMemoryCheckpointStore();
  private follower: RunningSubscription | undefined;
  private subscription: Subscription | undefined;

  constructor(
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly commands: OrganizationCommandHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Rebuilt from the event store at every start: the index is small and derived, so it needs no storage.
    this.follower = followAll<OrganizationEvent>({
      name: 'membership-user-index',
      client: this.client,
      // Unfiltered on purpose: the checkpoint then moves over every event in $all, so "has the index read
      // everything until now" is a comparison with the newest position (the client cannot read $all filtered).
      checkpoints: this.indexProgress,
      maxBatchSize: 500,
      handle: async (events) => events.forEach((e) => this.memberships.apply(e)),
    });
    this.subscription = await subscribeToEvents(this.bus, {
      groupId: 'membership.identity-reactions',
      topics: [TOPICS.identityUsers],
      handler: (event) => this.react(event),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    await this.follower?.stop();
  }

  /**
   * The index lags the event store a little. Before acting on a user, wait until it has read every organization
   * event that exists now; if it cannot within the bound, fail so the bus retries the message.
   */
  /** R16/R18: only a verified address auto-joins, as User, the organization that claimed its domain with auto-join on. */
  private async autoJoin(event: EventEnvelope): Promise<void> {
    const { userId, email } = event.data as { userId: string; email: string };
    const domain = email.split('@')[1]?.toLowerCase();
    const orgId = domain ? await this.commands.organizationClaiming(domain) : undefined;
    if (!orgId) return;
    const reply = await this.commands.handle({
      commandId: `${event.id}/auto-join`,
      orgId,
      actorId: SYSTEM_ACTOR,
      correlationId: event.correlationid,
      command: { type: 'AutoJoinMember', userId, email },
    });
    if (!reply.ok) this.logger.warn(`auto-join of ${userId} into ${orgId} refused: ${reply.error.code}`);
  }

  private async indexIncludesEverythingUntilNow(): Promise<void> {
    let latest: bigint | undefined;
    for await (const resolved of this.client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: 1,
    })) {
      latest = resolved.event?.position.commit;
    }
    const deadline = Date.now() + 10_000;
    while (latest !== undefined && (await this.indexedUpTo()) < latest) {
      if (Date.now() > deadline) throw new Error('user membership index is behind the event store');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private async indexedUpTo(): Promise<bigint> {
    const checkpoint = await this.indexProgress.load('membership-user-index');
    return checkpoint === undefined ? -1n : BigInt(checkpoint.split('/')[0]!);
  }

  private async react(event: EventEnvelope): Promise<void> {
    if (event.type === 'identity.EmailVerified.v1') return this.autoJoin(event);
    if (event.type !== 'identity.UserDeleted.v1') return;
    await this.indexIncludesEverythingUntilNow();
    const { userId, ownedOrganizationsConfirmed } = event.data as {
      userId: string;
      ownedOrganizationsConfirmed: boolean;
    };
    for (const orgId of this.memberships.organizationsOf(userId)) {
      const reply = await this.commands.handle({
        commandId: `${event.id}/${orgId}`,
        orgId,
        actorId: SYSTEM_ACTOR,
        correlationId: event.correlationid,
        command: { type: 'RemoveDeletedUser', userId, ownedOrganizationsConfirmed },
      });
      if (!reply.ok && reply.error.code !== 'organization-deleted') {
        this.logger.warn(`could not remove deleted user ${userId} from ${orgId}: ${reply.error.code}`);
      }
    }
  }
}
