import { Inject, Injectable } from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { type FastifyReply } from 'fastify';
import { organizationStream } from '@app/contracts';
import { EVENT_STORE_CLIENT, readLastEvent } from '@app/event-store';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG, READ_MODELS } from '../gateway.tokens';
import { orgScoped } from '../read-models/documents';
import { type ReadModels } from '../read-models/read-models';
import { type MembershipResult } from './write-services';

/** How often a wait for a new member looks whether the read models show it will not come. */
const REFUSAL_CHECK_MS = 50;
/** What a command answers when the read models have not reached its revision within the bound. */
export interface Accepted {
  readonly status: 'accepted';
  readonly revision: string | null;
}

/**
 * Read-your-writes: a command's answer waits (within READ_YOUR_WRITES_MS, 2 s by default) until the read models
 * reach the revision the command produced, so the caller's next read shows the change. Beyond the bound the answer
 * is 202 with the revision, never a stale 200.
 */
@Injectable()
export class ReadYourWrites {
  constructor(
    @Inject(READ_MODELS) private readonly models: ReadModels,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(EVENT_STORE_CLIENT) private readonly client: EventStoreDBClient,
  ) {}

  /** How long a command's answer waits for the read models (READ_YOUR_WRITES_MS). */
  get boundMs(): number {
    return this.config.readYourWritesMs;
  }

  /** Resolves true once the organization's read models reflect `revision` (false after the bound, or `deadline`). */
  organizationAt(orgId: string, revision: string | null, deadline?: number): Promise<boolean> {
    if (revision === null) return Promise.resolve(true);
    return this.until(this.organizationReached(orgId, Number(revision)), deadline);
  }

  private organizationReached(orgId: string, wanted: number): () => Promise<boolean> {
    return async () => ((await this.models.organizations.get(orgId))?.revision ?? -1) >= wanted;
  }

  /** Resolves true once the read models reflect a command's result on every organization it changed. */
  async shown(orgId: string, result: MembershipResult, deadline?: number): Promise<boolean> {
    const changed = [[orgId, result.revision] as const, ...Object.entries(result.alsoChanged ?? {})];
    const reached = await Promise.all(
      changed.map(([id, revision]) => this.organizationAt(id, revision, deadline)),
    );
    return reached.every(Boolean);
  }

  /** Resolves true once the user's read model reflects `revision` of their account stream. */
  userAt(userId: string, revision: string | undefined): Promise<boolean> {
    if (revision === undefined) return Promise.resolve(true);
    const wanted = Number(revision);
    return this.until(async () => ((await this.models.users.get(userId))?.revision ?? -1) >= wanted);
  }

  /**
   * Resolves true once the user shows as a member with everything joining brought (teams, grants). Membership admits
   * them when it sees the registration, so no revision comes back to wait for; but an admission is one atomic
   * append, so once the member shows, the organization's stream head covers all of it.
   */
  async memberShows(
    orgId: string,
    userId: string,
    /** Stops the wait early, answering false: what shows that the member will not come (a refused acceptance). */
    wontJoin: () => Promise<boolean> = () => Promise.resolve(false),
  ): Promise<boolean> {
    const deadline = Date.now() + this.config.readYourWritesMs;
    let [refused, askedAt] = [false, 0];
    // The member is looked for on every turn; what would refuse it less often, as it costs reads of its own.
    const joined = async () => {
      if ((await this.models.members.get(orgScoped(orgId, userId))) !== null) return true;
      if (Date.now() - askedAt < REFUSAL_CHECK_MS) return false;
      askedAt = Date.now();
      return (refused = await wontJoin());
    };
    if (!(await this.until(joined, deadline)) || refused) return false;
    return this.until(this.organizationReached(orgId, await this.streamHead(orgId)), deadline);
  }

  /**
   * Resolves true once the organization's read models hold every event its stream holds now (false after the bound):
   * for answers about an instant after the last event they hold (R21: a roster at a recent instant).
   */
  async organizationCaughtUp(orgId: string): Promise<boolean> {
    return this.until(this.organizationReached(orgId, await this.streamHead(orgId)));
  }

  private async streamHead(orgId: string): Promise<number> {
    const last = await readLastEvent(this.client, organizationStream(orgId));
    return last?.event ? Number(last.event.revision) : -1;
  }

  private async until(
    reached: () => Promise<boolean>,
    deadline = Date.now() + this.config.readYourWritesMs,
  ): Promise<boolean> {
    for (;;) {
      if (await reached()) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * Waits for the command's revision, then answers with `read()` (the resource as the read models now show it), or
   * with 202 and the revision when they lag beyond the bound.
   */
  async answer<T>(
    orgId: string,
    result: MembershipResult,
    res: FastifyReply,
    read: () => Promise<T>,
  ): Promise<T | Accepted> {
    if (await this.shown(orgId, result)) return read();
    res.status(202);
    return { status: 'accepted', revision: result.revision };
  }

  /** For answers without a body: nothing once the read models show the command's result, else 202 and the revision. */
  async shownOrAccepted(
    orgId: string,
    result: MembershipResult,
    res: FastifyReply,
  ): Promise<Accepted | undefined> {
    if (await this.shown(orgId, result)) return undefined;
    res.status(202);
    return { status: 'accepted', revision: result.revision };
  }

  /** A profile change (identity answers with the account's revision): the profile once the read model shows it. */
  /**
   * A command that ended the caller's sessions (a password change, two-factor off): its answer waits until the
   * account's read model, which the gateway checks every token against, has them ended; else 202 with the revision.
   */
  async sessionsEnded(
    userId: string,
    revision: string | undefined,
    res: FastifyReply,
  ): Promise<Accepted | undefined> {
    if (await this.userAt(userId, revision)) return undefined;
    res.status(202);
    return { status: 'accepted', revision: revision ?? null };
  }

  async answerProfile<P extends { userId: string; revision?: string }>(
    profile: P,
    res: FastifyReply,
  ): Promise<Omit<P, 'revision'> | Accepted> {
    const { revision, ...shown } = profile;
    if (await this.userAt(profile.userId, revision)) return shown;
    res.status(202);
    return { status: 'accepted', revision: revision ?? null };
  }
}
