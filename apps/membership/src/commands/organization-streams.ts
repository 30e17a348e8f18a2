import {
  AggregateStateCache,
  type RecordedCommands,
  type AppliedCommand,
  type AggregateStore,
  type CommandContext,
  type CommandResolver,
  type CommandResult,
} from '@app/event-store';
import { organizationStream } from '@app/contracts';
import { type DomainError } from '@app/domain';
import { type PermissionsCatalog } from '@app/permissions';
import { type OrganizationCommand } from '../organizations/organization.commands';
import { organizationDecider } from '../organizations/organization.decider';
import { type OrganizationEvent } from '../organizations/organization.events';
import { organizationSnapshots } from '../organizations/organization.snapshot';
import { type ActiveOrganization, type OrganizationState } from '../organizations/organization.state';
import { type TrustedRequest } from './membership-request';
import { OneAtATime } from './one-at-a-time';

export { organizationStream } from '@app/contracts';

export type OrganizationResult = CommandResult<OrganizationState, OrganizationEvent>;

/**
 * How long a state held in memory is used before it is loaded again. Erasures clear the states (every replica hears
 * of them), but one missed while this replica's erasure consumer was down or rejoining would otherwise leave opened
 * addresses in memory for as long as the organization stays busy.
 */
const CACHED_STATE_MAX_AGE_MS = 10 * 60_000;

/** The organization aggregate over the event store: one decider, its snapshots, and the states kept in memory. */
export class OrganizationStreams {
  readonly aggregate;
  private readonly oneAtATime = new OneAtATime();

  constructor(
    private readonly store: AggregateStore,
    catalog: PermissionsCatalog,
    cachedOrganizations: number,
  ) {
    this.aggregate = {
      decider: organizationDecider(catalog),
      snapshots: organizationSnapshots,
      cache: new AggregateStateCache<OrganizationState>(cachedOrganizations, CACHED_STATE_MAX_AGE_MS),
    };
  }

  /** An organization's current state (through the cache, which it leaves as warm as it found it). */
  async state(orgId: string): Promise<OrganizationState> {
    const stream = organizationStream(orgId);
    const { cache } = this.aggregate;
    const generation = cache.generation;
    const loaded = await this.store.load(stream, this.aggregate, cache.take(stream));
    if (loaded.revision !== undefined)
      cache.put(stream, { ...loaded, revision: loaded.revision }, generation);
    return loaded.state;
  }

  /**
   * Forgets the states held in memory: after an erasure they may still hold what was opened before it (an invitee's
   * address), which a load from the store now reads as erased.
   */
  forgetCachedStates(): void {
    this.aggregate.cache.clear();
  }

  /**
   * `work` in the organization's turn: no command of it runs in this process meanwhile. For checks that must not
   * interleave with a command being recorded; `work` must not run a command of the same organization.
   */
  exclusively<T>(orgId: string, work: () => Promise<T>): Promise<T> {
    return this.oneAtATime.run(orgId, work);
  }

  /**
   * The command recorded with this id (among the stream's latest commands): the revision it left the stream at, and
   * the digest of what it asked. Read from the store, not the cache: another replica may have recorded it.
   */
  async recorded(orgId: string, commandId: string): Promise<AppliedCommand | undefined> {
    return (await this.recordedCommands(orgId)).get(commandId);
  }

  /** The stream's latest commands, by id (read from the store, as `recorded`). */
  async recordedCommands(orgId: string): Promise<RecordedCommands> {
    const loaded = await this.store.load(organizationStream(orgId), this.aggregate);
    return loaded.commands;
  }

  async active(orgId: string): Promise<ActiveOrganization | undefined> {
    const state = await this.state(orgId);
    return state.status === 'active' ? state : undefined;
  }

  /**
   * Decides and appends one command on an organization's stream, as the request's actor and with its ids; one command
   * of an organization at a time in this process.
   */
  run(
    orgId: string,
    request: TrustedRequest,
    command: OrganizationCommand | CommandResolver<OrganizationState, OrganizationCommand>,
  ): Promise<OrganizationResult> {
    return this.oneAtATime.run(orgId, () =>
      this.store.handle(organizationStream(orgId), this.aggregate, command, contextOf(orgId, request)),
    );
  }

  /**
   * Several commands on an organization's stream, each as its request's actor and with its ids, decided in turn and
   * appended together (`AggregateStore.handleAll`): each answered as `run` would answer it, or with its refusal;
   * all refused at once, nothing appended, where `refusedWhole` refuses the commands the stream recorded.
   */
  runAll(
    orgId: string,
    commands: readonly {
      readonly request: TrustedRequest;
      readonly command: OrganizationCommand | CommandResolver<OrganizationState, OrganizationCommand>;
    }[],
    refusedWhole?: (recorded: RecordedCommands) => DomainError | undefined,
  ): Promise<(OrganizationResult | { readonly refusal: DomainError })[]> {
    return this.oneAtATime.run(orgId, () =>
      this.store.handleAll(
        organizationStream(orgId),
        this.aggregate,
        commands.map(({ request, command }) => ({ command, context: contextOf(orgId, request) })),
        refusedWhole,
      ),
    );
  }
}

function contextOf(orgId: string, request: TrustedRequest): CommandContext {
  return {
    commandId: request.commandId,
    actor: request.actorId,
    tenant: orgId,
    fingerprint: request.fingerprint,
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
    ...(request.causationId ? { causationId: request.causationId } : {}),
  };
}
