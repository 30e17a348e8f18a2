import { Inject, Injectable } from '@nestjs/common';
import { v5 as uuidv5 } from 'uuid';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { TOPICS, encodeEnvelope, type EventEnvelope } from '@app/contracts';
import { EVENT_STORE_CLIENT, readLastEvent } from '@app/event-store';
import { PUBLIC_EVENT_MAPPINGS } from '@app/relay';
import {
  BusSubscriber,
  MESSAGE_BUS,
  REACTION_GATHER_MS,
  eventMessage,
  type BusMessage,
  type MessageBus,
  type Subscription,
  subscribeToEvents,
} from '@app/messaging';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG, READ_MODELS } from '../gateway.tokens';
import { ProjectionFeed } from '../read-models/projection-feed';
import { findAll, type ReadModels } from '../read-models/read-models';
import { consistentAt, organizationStateOf, stateStep, userStateOf } from './public-state';

export const GATEWAY_SOURCE = '/identity-platform/gateway';
// Fixed namespace: the state of one aggregate at one revision always has the same message id.
const STATE_NAMESPACE = '9b7c2a4e-1f0d-4e8b-a6c3-5d2e7f9a1b84';

const KINDS = {
  [TOPICS.identityUsers]: {
    topic: TOPICS.identityUserState,
    type: 'identity.UserState.v1',
    streamPrefix: PUBLIC_EVENT_MAPPINGS.identity.streamPrefix,
  },
  [TOPICS.membershipOrganizations]: {
    topic: TOPICS.membershipOrganizationState,
    type: 'membership.OrganizationState.v1',
    streamPrefix: PUBLIC_EVENT_MAPPINGS.membership.streamPrefix,
  },
} as const;

const STATE_RETRY = { maxAttempts: 1_000, initialBackoffMs: 200, maxBackoffMs: 5_000 };

export class ProjectionBehindError extends Error {
  constructor(subject: string, revision: string) {
    super(`the read model of ${subject} has not reached revision ${revision} yet`);
    this.name = 'ProjectionBehindError';
  }
}

/**
 * Writes the compacted state topics (identity.user.state.v1, membership.organization.state.v1, docs/contracts.md
 * "Bootstrapping"): after the read models applied a change event, the aggregate's public state at that revision, or a
 * tombstone when it was deleted. It follows the change topics in a group of its own, behind the projections, so it
 * never slows them; an event the read model has already moved past is skipped, since the later event publishes.
 */
@Injectable()
export class StatePublisher extends BusSubscriber {
  constructor(
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(READ_MODELS) private readonly models: ReadModels,
    private readonly feed: ProjectionFeed,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    super();
  }

  /** How long one attempt waits for the read models to reach the event before it is retried (STATE_RETRY). */
  waitMs = 2_000;

  protected subscribe(): Promise<Subscription> {
    return subscribeToEvents(this.bus, {
      groupId: this.config.stateTopicsGroup,
      // Nobody waits on a state topic: its fetches gather under load.
      gatherMs: REACTION_GATHER_MS,
      topics: [TOPICS.identityUsers, TOPICS.membershipOrganizations],
      // Read models behind (a large organization's deletion on MongoDB, a replica taking over the projections) are
      // waited out for about an hour and a half before the event is dead-lettered: a state topic missing the last
      // state, or a tombstone, of an aggregate would stay wrong until its next event.
      retry: STATE_RETRY,
      handler: async (event, message) => {
        this.feed.requireFilled();
        const state = await this.stateAfter(event, message.topic as keyof typeof KINDS);
        if (state) await this.bus.publish([state]);
      },
    });
  }

  /** The state message for the aggregate once the read model is at the event's revision (null: skipped). */
  async stateAfter(event: EventEnvelope, changeTopic: keyof typeof KINDS): Promise<BusMessage | null> {
    const kind = KINDS[changeTopic];
    const isUser = changeTopic === TOPICS.identityUsers;
    const revision = Number(event.revision);
    const deadline = Date.now() + this.waitMs;
    let inStore: boolean | undefined;
    for (;;) {
      const model = isUser
        ? await this.models.users.revisionOf(event.subject)
        : await this.organizationModel(event.subject);
      // An aggregate the read models have never seen, and this deployment's event store does not hold either, is
      // another deployment's on a shared cluster: nothing of ours to wait for.
      if (!model && !(inStore ??= await this.inEventStore(kind.streamPrefix + event.subject))) return null;
      const step = stateStep(revision, model);
      if (step === 'skip') return null;
      if (step === 'tombstone') return this.message(kind, event, null);
      if (step === 'publish') {
        const data = isUser
          ? await this.userState(event.subject)
          : await this.organizationState(event.subject);
        // Read at the event's revision only if the model did not move on meanwhile; if it did, the later event publishes.
        const after = isUser
          ? await this.models.users.revisionOf(event.subject)
          : await this.organizationModel(event.subject);
        if (after && after.revision > revision) return null;
        // A read that looked mixed while the model stayed at this revision for a whole attempt is no race: published.
        if (data && after?.revision === revision && (data.consistent || Date.now() >= deadline))
          return this.message(kind, event, data.state);
      }
      if (Date.now() >= deadline) throw new ProjectionBehindError(event.subject, event.revision);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async inEventStore(streamName: string): Promise<boolean> {
    return (await readLastEvent(this.client, streamName)) !== undefined;
  }

  private async organizationModel(orgId: string) {
    const org = await this.models.organizations.get(orgId);
    return org ? { revision: org.revision, deleted: org.deleted === true } : null;
  }

  private async userState(userId: string) {
    const user = await this.models.users.get(userId);
    return user ? { state: userStateOf(user), consistent: true } : null;
  }

  /** `consistent: false` when what was read seems to mix two revisions: the caller reads again. */
  private async organizationState(orgId: string) {
    const org = await this.models.organizations.get(orgId);
    if (!org) return null;
    const [members, teams] = await Promise.all([
      findAll(this.models.members, { where: { orgId } }),
      findAll(this.models.teams, { where: { orgId } }),
    ]);
    return { state: organizationStateOf(org, members, teams), consistent: consistentAt(org, members, teams) };
  }

  private message(
    kind: (typeof KINDS)[keyof typeof KINDS],
    event: EventEnvelope,
    data: Record<string, unknown> | null,
  ): BusMessage {
    const envelope: EventEnvelope = {
      id: uuidv5(`${kind.type}|${event.subject}|${event.revision}`, STATE_NAMESPACE),
      type: kind.type,
      source: GATEWAY_SOURCE,
      subject: event.subject,
      time: event.time,
      specversion: '1.0',
      datacontenttype: 'application/json',
      correlationid: event.correlationid,
      causationid: event.id,
      actor: event.actor,
      ...(event.tenant ? { tenant: event.tenant } : {}),
      revision: event.revision,
      data: data ?? {},
    };
    if (data) return eventMessage(kind.topic, envelope);
    // A tombstone: no value, so compaction drops the key's earlier states; the headers still say what and when.
    return { topic: kind.topic, ...encodeEnvelope(envelope), value: null };
  }
}
