import { randomUUID } from 'node:crypto';
import { isDomainError } from '@app/domain';
import { type AggregateStore, type CommandResolver } from '@app/event-store';
import { domainClaimStream, domainReleaseCommandId } from '@app/contracts';
import { domainClaimDecider, normalizeDomain } from '../../organizations/domain-claim.decider';
import {
  SYSTEM_ACTOR,
  type CommandOf,
  type OrganizationCommand,
} from '../../organizations/organization.commands';
import { type OrganizationState } from '../../organizations/organization.state';
import { type OrganizationEvent } from '../../organizations/organization.events';
import { trusted, type TrustedRequest } from '../membership-request';
import { type OrganizationStreams } from '../organization-streams';

export interface DomainClaimOptions {
  /**
   * How old a registration must be before another organization may take it over from an active holder that does not
   * record the domain (a release cut short between the two appends). A younger one may be a claim in flight, between
   * its registration and its recording, which take milliseconds. Default 60 s.
   */
  readonly staleAfterMs?: number;
  readonly now?: () => Date;
}

/**
 * R16: one organization per e-mail domain, across organizations. Each domain has a small claim stream; a claim is
 * registered there (with its expected revision, so two organizations racing cannot both win) before the organization
 * records it, and released whenever the organization releases the domain or is deleted.
 */
export class DomainClaims {
  private readonly claims = { decider: domainClaimDecider };
  private readonly staleAfterMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly store: AggregateStore,
    private readonly streams: OrganizationStreams,
    options: DomainClaimOptions = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 60_000;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Registers the claim, then has the organization record it (`record`). The organization's own rules are checked
   * first (a dry run, with the actor's standing resolved as the real run resolves it, R19); a claim left by a deleted
   * organization is taken over, and so is a stale one its active holder does not record. If the organization then does not record it (its standing changed in between, the
   * store failed, or the command was one it had applied before and the domain was released since), the registration
   * is taken back: a claim the organization does not hold holds the domain for nobody.
   */
  async claim<T>(
    request: TrustedRequest,
    asked: CommandOf<'ClaimDomain'>,
    resolve: CommandResolver<OrganizationState, OrganizationCommand>,
    record: () => Promise<T>,
  ): Promise<T> {
    // The same request again (its domain recorded already) registers nothing, and is reconciled all the same: its first
    // attempt may have stopped between recording the claim and learning it had lost the claim stream.
    const domain = (await this.registerFirst(request, asked, resolve)) ?? normalizeDomain(asked.domain);
    let result: T;
    try {
      result = await record();
    } catch (error) {
      // Taken back if it can be; the refusal (or failure) is what the caller hears either way.
      await this.reconcileClaim(domain, request, asked.at).catch(() => undefined);
      throw error;
    }
    // Answered without a change too (the same request again, the domain released since): nothing was recorded.
    await this.reconcileClaim(domain, request, asked.at);
    return result;
  }

  /**
   * Makes the claim stream agree with what the organization recorded, in the organization's turn (so no command of it
   * is recorded in between): a registration it does not hold is released (under `releasedAs`, when given, the
   * command id of the release it completes); one it holds but the stream lost (another request of the same
   * organization, sharing this registration, released it before this one recorded) is made again. If another
   * organization has taken the domain meanwhile (a registration taken over as stale while its claim was in flight),
   * the claim stream wins: the organization's recording is undone and the claim refused.
   */
  async reconcileClaim(
    domain: string | undefined,
    request: TrustedRequest,
    at: string,
    releasedAs?: string,
  ): Promise<void> {
    if (domain === undefined) return;
    const lost = await this.streams.exclusively(request.orgId, async () => {
      const state = await this.streams.state(request.orgId);
      const recorded = state.status === 'active' && state.domains.has(domain);
      const held = (await this.holderOf(domain)) === request.orgId;
      if (!recorded && held)
        await this.release(
          domain,
          request.orgId,
          releasedAs ?? `${request.commandId}/unrecorded/${randomUUID()}`,
          at,
        );
      if (!recorded || held) return undefined;
      try {
        await this.store.handle(
          domainClaimStream(domain),
          this.claims,
          { type: 'RegisterClaim', domain, orgId: request.orgId, at },
          {
            commandId: `${request.commandId}/claim/again/${randomUUID()}`,
            actor: SYSTEM_ACTOR,
            tenant: request.orgId,
          },
        );
        return undefined;
      } catch (error) {
        if (isDomainError(error) && error.code === 'domain-claimed') return error;
        throw error;
      }
    });
    if (!lost) return;
    await this.streams
      .run(
        request.orgId,
        trusted({ ...request, commandId: `${request.commandId}/claim-lost`, actorId: SYSTEM_ACTOR }),
        {
          type: 'ReleaseDomain',
          domain,
          actorId: SYSTEM_ACTOR,
          actorIsOperator: true,
          at,
        },
      )
      .catch((error: unknown) => {
        if (!isDomainError(error) || error.code !== 'domain-not-claimed') throw error;
      });
    throw lost;
  }

  /**
   * The domain registered for the organization, if the command claims one. The organization's own registration is
   * renewed (a release cut short may have left it), and each attempt has an id of its own: a retry after a
   * registration was taken back registers again.
   */
  private async registerFirst(
    request: TrustedRequest,
    asked: CommandOf<'ClaimDomain'>,
    resolve: CommandResolver<OrganizationState, OrganizationCommand>,
  ): Promise<string | undefined> {
    const state = await this.streams.state(request.orgId);
    const { command } = await resolve(state);
    const events = this.streams.aggregate.decider.decide(command, state);
    const claimed = events.find((e) => e.type === 'DomainClaimed');
    if (!claimed || claimed.type !== 'DomainClaimed') return undefined;
    const domain = claimed.data.domain;
    const register = (attempt: string) =>
      this.store.handle(
        domainClaimStream(domain),
        this.claims,
        { type: 'RegisterClaim', domain, orgId: request.orgId, at: asked.at },
        {
          commandId: `${request.commandId}/claim/${attempt}/${randomUUID()}`,
          actor: asked.actorId,
          tenant: request.orgId,
        },
      );
    try {
      await register('first');
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'domain-claimed') throw error;
      const holder = await this.holderOf(domain);
      if (!holder) throw error;
      const holding = await this.streams.state(holder);
      if (holding.status === 'active' && holding.domains.has(domain)) throw error;
      // A deleted holder's claim is stale. An active holder's that it does not record is stale only once older than
      // a claim in flight can be (the claim stream checks the age, so a registration renewed meanwhile is kept).
      const registeredBefore =
        holding.status === 'active'
          ? new Date(this.now().getTime() - this.staleAfterMs).toISOString()
          : undefined;
      await this.release(domain, holder, `${request.commandId}/takeover`, asked.at, registeredBefore);
      await register('after-takeover');
    }
    return domain;
  }

  /** Whatever released a domain (ReleaseDomain, deleting the organization) also frees its claim stream. */
  async releaseAll(
    orgId: string,
    request: TrustedRequest,
    events: readonly OrganizationEvent[],
    at: string,
  ): Promise<void> {
    for (const event of events)
      if (event.type === 'DomainReleased')
        await this.release(event.data.domain, orgId, request.commandId, at);
  }

  async holderOf(domain: string): Promise<string | undefined> {
    return (await this.store.load(domainClaimStream(domain), this.claims)).state.orgId;
  }

  private async release(
    domain: string,
    orgId: string,
    commandId: string,
    at: string,
    registeredBefore?: string,
  ): Promise<void> {
    await this.store.handle(
      domainClaimStream(domain),
      this.claims,
      { type: 'ReleaseClaim', domain, orgId, at, ...(registeredBefore ? { registeredBefore } : {}) },
      { commandId: domainReleaseCommandId(commandId), actor: SYSTEM_ACTOR, tenant: orgId },
    );
  }
}
