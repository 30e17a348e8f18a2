import { DomainError, isDomainError } from '@app/domain';
import {
  commandFingerprint,
  type AggregateStore,
  type CommandResolver,
  type RecordedCommands,
} from '@app/event-store';
import { type RequestVerifier } from '@app/messaging';
import { defaultCatalog, type PermissionsCatalog } from '@app/permissions';
import { type AddressSubjects } from '@app/personal-data';
import { type UserDirectory } from '../indexes/user-directory';
import { deletionConfirms, type AccountDeletion } from './account-deleted';
import { throwIfTransient } from '../reactions/system-command';
import { SYSTEM_ACTOR, type OrganizationCommand } from '../organizations/organization.commands';
import { type OrganizationState } from '../organizations/organization.state';
import { givenOnlyThroughParent } from '../organizations/decide/invitations';
import { withActorStanding } from './actor-standing';
import { type CommandReply, type ImportReply } from './command-reply';
import { checkMembershipRequest, trusted, type TrustedRequest } from './membership-request';
import { OrganizationStreams, type OrganizationResult } from './organization-streams';
import { normalizeDomain } from '../organizations/domain-claim.decider';
import { DomainClaims } from './workflows/domain-claim.workflow';
import { importInvitations } from './workflows/invitation-import.workflow';
import {
  endLinksOfDeleted,
  linkChild,
  unlinkChild,
  type TwoOrganizationsResult,
} from './workflows/link-child.workflow';

export { organizationStream } from './organization-streams';

/** R5: invitations expire after 7 days unless configured otherwise. */
export const DEFAULT_INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export interface OrganizationCommandOptions {
  /** Checks that a request from the bus was signed by one of our services. */
  readonly verifier: RequestVerifier;
  readonly catalog?: PermissionsCatalog;
  readonly now?: () => Date;
  /** R5: how long invitations stay valid (default 7 days). */
  readonly invitationLifetimeMs?: number;
  /** How many organizations' states stay in memory between commands (default 1,000). */
  readonly cachedOrganizations?: number;
  /** Who holds an e-mail address or phone number (R5: inviting an existing member is a conflict). */
  readonly users?: Pick<UserDirectory, 'userWithEmail' | 'verifiedEmailOf'>;
  /** Whether an account has been deleted, as the event store says now (R1, R10), and what its deletion confirmed. */
  readonly accountDeletion?: (userId: string) => Promise<AccountDeletion | undefined>;
  /** Whether an account is locked now, as the event store says (R2: ownership goes to an active member). */
  readonly accountLocked?: (userId: string) => Promise<boolean>;
  /** The account's e-mail address if it is verified, as the event store says now (R16: proves a domain claim). */
  readonly verifiedEmailOf?: (userId: string) => Promise<string | undefined>;
  /** Keyed digests of addresses: who an invitation is for counts in its command's fingerprint. */
  readonly addresses?: Pick<AddressSubjects, 'of'>;
}

/** What a command the system runs in an organization on its own was caused by: a command there, or an event. */
export type SystemCause = Pick<TrustedRequest, 'orgId' | 'commandId' | 'correlationId'>;

/** The account a command makes a member or the Owner (R1, R10: never a deleted one). */
function accountJoining(command: OrganizationCommand): string | undefined {
  switch (command.type) {
    case 'CreateOrganization':
      return command.actorId;
    case 'TransferOwnership':
      return command.newOwnerId;
    case 'AdmitMember':
    case 'AutoJoinMember':
    case 'AcceptInvitation':
      return command.userId;
    default:
      return undefined;
  }
}

function reply(result: OrganizationResult, other?: TwoOrganizationsResult['other']): CommandReply {
  return {
    ok: true,
    revision: revisionOf(result),
    events: result.events.length,
    duplicate: result.duplicate,
    ...(other && other.result.revision !== undefined
      ? { alsoChanged: { [other.orgId]: other.result.revision.toString() } }
      : {}),
  };
}

const revisionOf = (result: OrganizationResult) =>
  result.revision === undefined ? null : result.revision.toString();

/**
 * Runs membership commands: from the bus (`handleRequest`: signed, checked, never internal or as the system), or
 * in-process (`execute`: the system's reactions and scheduled work). The actor's standing is resolved before
 * deciding (R19); cross-aggregate work is in `workflows/`. Refusals are replies, not exceptions: a refused command
 * must not be retried by the bus.
 */
export class OrganizationCommandHandler {
  readonly streams: OrganizationStreams;
  private readonly domains: DomainClaims;
  private readonly catalog: PermissionsCatalog;
  private readonly now: () => Date;

  constructor(
    store: AggregateStore,
    private readonly options: OrganizationCommandOptions,
  ) {
    this.catalog = options.catalog ?? defaultCatalog;
    this.now = options.now ?? (() => new Date());
    this.streams = new OrganizationStreams(store, this.catalog, options.cachedOrganizations ?? 1_000);
    this.domains = new DomainClaims(store, this.streams, { now: this.now });
  }

  /** A request from `membership.commands.v1`. */
  handleRequest(raw: unknown): Promise<CommandReply | ImportReply> {
    return this.refusalsAsReplies(async () =>
      this.execute(checkMembershipRequest(raw, this.options.verifier)),
    );
  }

  /** A request this service trusts (checked from the bus, or made in-process). */
  execute(trustedRequest: TrustedRequest): Promise<CommandReply | ImportReply> {
    return this.refusalsAsReplies(async () => {
      if (trustedRequest.repeatOnly === true)
        return this.repeatOf(this.withAddressesFingerprinted(trustedRequest));
      if (trustedRequest.command.type === 'ImportInvitations') {
        const request = this.withImportedAddressesFingerprinted(trustedRequest);
        // Every row's fingerprint, made once for the check before the rows and the one on each batch's append.
        let asked: ReadonlyMap<string, string | undefined> | undefined;
        const askedBy = (rows: readonly TrustedRequest[]) =>
          (asked ??= new Map(
            rows.map((row) => [row.commandId, this.withAddressesFingerprinted(row).fingerprint]),
          ));
        return importInvitations(request, {
          runAll: (rows, wholeImport) =>
            this.inviteAll(request.orgId, rows, (recorded) =>
              this.reusedImportKey(request, askedBy(wholeImport), recorded),
            ),
          refuseReusedIds: (rows) => this.refuseReusedIds(request, askedBy(rows)),
        });
      }
      const request = this.withAddressesFingerprinted(trustedRequest);
      const command = await this.withNewOwnerLock(
        await this.withClaimantAddress(this.toDomainCommand(request)),
      );
      await this.refuseDeletedAccount(command, request);
      const standing = this.withInviteeOfInvitation(withActorStanding(command, this.streams, this.catalog));
      switch (command.type) {
        case 'LinkChildOrganization': {
          const linked = await linkChild(this.streams, request, command);
          return reply(linked.result, linked.other);
        }
        case 'UnlinkChildOrganization': {
          const unlinked = await unlinkChild(this.streams, request, command);
          return reply(unlinked.result, unlinked.other);
        }
        case 'ClaimDomain':
          return reply(
            await this.domains.claim(request, command, standing, () =>
              this.streams.run(request.orgId, request, standing),
            ),
          );
      }
      const result = await this.streams.run(request.orgId, request, standing);
      await this.recheckIfGivenThroughParent(request, [{ request, result }]);
      await this.domains.releaseAll(request.orgId, request, result.events, command.at);
      // A release answered without a change (a retry, or the domain already released) repairs a claim stream that a
      // release cut short left held.
      if (command.type === 'ReleaseDomain' && result.events.length === 0)
        await this.domains.reconcileClaim(
          normalizeDomain(command.domain),
          request,
          command.at,
          request.commandId,
        );
      // A retry of the deletion too (answered as a duplicate): its first attempt may have stopped before the links.
      if (result.state.status === 'deleted') await endLinksOfDeleted(this.streams, request, command.at);
      await this.undoIfDeleted(command, request);
      return reply(result);
    });
  }

  /**
   * An import's invitations (InviteMember each, R7), decided in turn and appended together. What `execute` does
   * besides deciding concerns other commands (accounts joining, domains, deletions), so each is answered as `execute`
   * would answer it alone.
   */
  private async inviteAll(
    orgId: string,
    requests: readonly TrustedRequest[],
    refusedWhole: (recorded: RecordedCommands) => DomainError | undefined,
  ): Promise<CommandReply[]> {
    const commands = requests.map((trustedRequest) => {
      const request = this.withAddressesFingerprinted(trustedRequest);
      return {
        request,
        command: withActorStanding(this.toDomainCommand(request), this.streams, this.catalog),
      };
    });
    const answers = await this.streams.runAll(orgId, commands, refusedWhole);
    const recorded = answers.flatMap((answer, i) =>
      'refusal' in answer ? [] : [{ request: commands[i]!.request, result: answer }],
    );
    if (requests[0]) await this.recheckIfGivenThroughParent(requests[0], recorded);
    return answers.map((answer) =>
      'refusal' in answer ? { ok: false, error: answer.refusal.toJSON() } : reply(answer),
    );
  }

  /**
   * R5, R19: an invitation just recorded on terms its giver gives only as an Admin through the parent. Had another
   * replica recorded the giver's loss of `customers.manage` in the parent while this command was being decided, that
   * loss's reaction may have rechecked this organization before the invitation was recorded, and found nothing to
   * revoke; so the invitations are rechecked once more now that it is recorded (as `undoIfDeleted` looks again). A
   * retry answered as a duplicate looks too: the recheck may be what failed its first attempt.
   */
  private async recheckIfGivenThroughParent(
    request: TrustedRequest,
    done: readonly { readonly request: TrustedRequest; readonly result: OrganizationResult }[],
  ): Promise<void> {
    const throughParent = done.some(({ request: { command }, result: { state } }) => {
      if (state.status !== 'active') return false;
      if (command.type !== 'InviteMember' && command.type !== 'ChangeInvitation') return false;
      const invitation = state.invitations.get(String(command.invitationId));
      return invitation?.status === 'pending' && givenOnlyThroughParent(state, this.catalog, invitation);
    });
    if (!throughParent) return;
    const reply = await this.execute(
      trusted({
        commandId: `${request.commandId}/recheck-through-parent`,
        orgId: request.orgId,
        actorId: SYSTEM_ACTOR,
        causationId: request.commandId,
        command: { type: 'RecheckInvitations' },
      }),
    );
    if (!reply.ok && reply.error.code !== 'organization-deleted')
      throw new Error(`rechecking invitations in ${request.orgId}: ${reply.error.code}`);
  }

  /**
   * A retry answered as a duplicate is, nothing appended, at the revision its command left the stream at (not where
   * the stream is now: the caller is no longer in the organization). A command not recorded under this id, or
   * recorded asking something else, is refused alike: the caller learns no more than that their own request is not
   * one it recorded.
   */
  private async repeatOf(request: TrustedRequest): Promise<CommandReply> {
    const recorded = await this.streams.recorded(request.orgId, request.commandId);
    if (!recorded || (recorded.fingerprint !== undefined && recorded.fingerprint !== request.fingerprint))
      throw new DomainError('command-not-recorded', 'not-found', 'no such request was recorded', {
        commandId: request.commandId,
      });
    return {
      ok: true,
      revision: recorded.revision.toString(),
      events: 0,
      duplicate: true,
    };
  }

  /**
   * The fingerprint leaves addresses out (it is stored in the clear; see `trusted`). They count here as keyed digests,
   * which nobody without the service's master key can test a guess against: an invitation's command id used again for
   * another address is `command-id-reused`, not a retry answered with the first invitation.
   */
  private withAddressesFingerprinted(request: TrustedRequest): TrustedRequest {
    const { addresses } = this.options;
    const { email, phone } = request.command;
    if (!addresses || (typeof email !== 'string' && typeof phone !== 'string')) return request;
    const digests = {
      ...(typeof email === 'string' ? { email: addresses.of('email', email) } : {}),
      ...(typeof phone === 'string' ? { phone: addresses.of('phone', phone) } : {}),
    };
    return { ...request, fingerprint: commandFingerprint({ asked: request.fingerprint, ...digests }) };
  }

  /**
   * An import's fingerprint covers its rows' addresses too, as keyed digests (as `withAddressesFingerprinted` does for
   * one invitation's): the same key with a file naming other people is another request.
   */
  private withImportedAddressesFingerprinted(request: TrustedRequest): TrustedRequest {
    const { addresses } = this.options;
    const { rows } = request.command as { rows?: unknown };
    if (!addresses || !Array.isArray(rows)) return request;
    const digest = (kind: 'email' | 'phone', value: unknown) =>
      typeof value === 'string' ? addresses.of(kind, value) : null;
    const people = rows.map((row: unknown) => {
      const { email, phone } = (typeof row === 'object' && row !== null ? row : {}) as Record<
        string,
        unknown
      >;
      return [digest('email', email), digest('phone', phone)];
    });
    return { ...request, fingerprint: commandFingerprint({ asked: request.fingerprint, people }) };
  }

  /**
   * An import whose key was recorded for another request: a row's command id recorded asking something else, or one
   * recorded under the key that this import does not have (an earlier file's row). The whole import is refused.
   */
  private async refuseReusedIds(
    request: TrustedRequest,
    asked: ReadonlyMap<string, string | undefined>,
  ): Promise<void> {
    const refusal = this.reusedImportKey(request, asked, await this.streams.recordedCommands(request.orgId));
    if (refusal) throw refusal;
  }

  /** `asked`: the import's rows, each command id with its fingerprint. */
  private reusedImportKey(
    request: TrustedRequest,
    asked: ReadonlyMap<string, string | undefined>,
    recorded: RecordedCommands,
  ): DomainError | undefined {
    const reused = new DomainError(
      'command-id-reused',
      'conflict',
      'this command id was used for another command',
      {
        commandId: request.commandId,
      },
    );
    for (const [commandId, fingerprint] of asked) {
      const applied = recorded.get(commandId);
      if (applied?.fingerprint !== undefined && applied.fingerprint !== fingerprint) return reused;
    }
    for (const id of recorded.ids())
      if ((id === request.commandId || id.startsWith(`${request.commandId}/row/`)) && !asked.has(id))
        return reused;
    return undefined;
  }

  /** R19: the organizations linked under this one (none when it is gone). */
  async childrenOf(orgId: string): Promise<string[]> {
    return [...((await this.streams.active(orgId))?.childOrgIds ?? [])];
  }

  /** The organization that claimed a domain, if any (R16 auto-join). */
  organizationClaiming(domain: string): Promise<string | undefined> {
    return this.domains.holderOf(domain);
  }

  /** The request's command as the decider takes it: stamped with the time, expiry and what the handler looks up. */
  private toDomainCommand(request: TrustedRequest): OrganizationCommand {
    const at = this.now().toISOString();
    const fields = { ...request.command } as Record<string, unknown>;
    if (fields.type === 'CreateOrganization') fields.orgId = request.orgId;
    if (fields.type === 'InviteMember') {
      fields.teamIds ??= [];
      fields.permissions ??= [];
    }
    if (fields.type === 'InviteMember' || fields.type === 'SendInvitation') {
      fields.expiresAt = new Date(
        Date.parse(at) + (this.options.invitationLifetimeMs ?? DEFAULT_INVITATION_LIFETIME_MS),
      ).toISOString();
    }
    if (fields.type === 'InviteMember') {
      const invitee = this.inviteeOf(fields.email);
      if (invitee) fields.inviteeUserId = invitee;
    }
    return {
      ...fields,
      actorId: request.actorId,
      at,
      ...(request.actorTwoFactor === true ? { actorTwoFactor: true } : {}),
      ...(request.actorIsOperator === true ? { actorIsOperator: true } : {}),
    } as OrganizationCommand;
  }

  /** R16: a domain claim carries the claimant's verified address, the decider's proof that they are at the domain. */
  private async withClaimantAddress(command: OrganizationCommand): Promise<OrganizationCommand> {
    if (command.type !== 'ClaimDomain') return command;
    const { actorVerifiedEmail: _fromRequest, ...asked } = command;
    const actorVerifiedEmail = await this.options.verifiedEmailOf?.(command.actorId);
    return actorVerifiedEmail === undefined ? asked : { ...asked, actorVerifiedEmail };
  }

  /** R2: the decider is told when the account ownership would go to is locked now. */
  private async withNewOwnerLock(command: OrganizationCommand): Promise<OrganizationCommand> {
    if (command.type !== 'TransferOwnership') return command;
    const { newOwnerLocked: _fromRequest, ...asked } = command;
    return (await this.options.accountLocked?.(command.newOwnerId))
      ? { ...asked, newOwnerLocked: true }
      : asked;
  }

  /**
   * An account deleted a moment ago (its token still good at the gateway, or its deletion not yet reacted to) joins
   * nothing: what the deletion's reaction has already passed over would keep it as a member, or an Owner, for good.
   * A command for it that an earlier attempt did record (then failed before it could look again) is undone first.
   */
  private async refuseDeletedAccount(command: OrganizationCommand, request: TrustedRequest): Promise<void> {
    const userId = accountJoining(command);
    const deletion = userId === undefined ? undefined : await this.options.accountDeletion?.(userId);
    if (userId === undefined || deletion === undefined) return;
    await this.removeDeleted(userId, deletion, request);
    throw new DomainError('user-deleted', 'gone', 'the account was deleted (R10)', { userId });
  }

  /**
   * Looked at again once the command is recorded: an account deleted before that (after the look above) is taken out
   * again as its deletion's reaction would have done, since that reaction may have passed over this organization
   * already. Deleted after it, the reaction sees this organization.
   */
  private async undoIfDeleted(command: OrganizationCommand, request: TrustedRequest): Promise<void> {
    const userId = accountJoining(command);
    if (userId !== undefined) await this.takeOutIfDeleted(userId, request);
  }

  /**
   * R1, R10: an account that an organization's event made a member or its Owner, taken out if it is deleted by now.
   * Run for each such event as it is published too (`JoinedAccountReactions`): a process that stopped after recording
   * the command and before its look again above leaves no deleted account behind, whether or not anyone retries.
   * The command id derives from the cause's.
   */
  async takeOutIfDeleted(userId: string, cause: SystemCause): Promise<void> {
    const deletion = await this.options.accountDeletion?.(userId);
    if (deletion !== undefined) await this.removeDeleted(userId, deletion, cause);
  }

  /**
   * As the reaction to the deletion does (R10: an organization they own goes, if its Owner confirmed that with their
   * account; else to a successor), so that whichever of the two comes first, the other finds nothing left to do.
   */
  private async removeDeleted(userId: string, deletion: AccountDeletion, cause: SystemCause): Promise<void> {
    const reply = await this.execute(
      trusted({
        commandId: `${cause.commandId}/account-deleted`,
        orgId: cause.orgId,
        actorId: SYSTEM_ACTOR,
        causationId: cause.commandId,
        ...(cause.correlationId ? { correlationId: cause.correlationId } : {}),
        command: {
          type: 'RemoveDeletedUser',
          userId,
          ownedOrganizationsConfirmed: deletionConfirms(deletion, cause.orgId),
        },
      }),
    );
    if (!reply.ok && !['organization-not-found', 'organization-deleted'].includes(reply.error.code)) {
      // A lost race for a busy stream is tried again (the bus does not count it towards the dead-letter topic).
      throwIfTransient(reply.error.code, `taking out deleted account ${userId}`);
      throw new Error(`taking out deleted account ${userId}: ${reply.error.code}`);
    }
  }

  /** R5: sending an invitation names the account its address now belongs to, as inviting does. */
  private withInviteeOfInvitation(
    resolve: CommandResolver<OrganizationState, OrganizationCommand>,
  ): CommandResolver<OrganizationState, OrganizationCommand> {
    return async (state) => {
      const resolved = await resolve(state);
      const { command } = resolved;
      if (command.type !== 'SendInvitation' || state.status !== 'active') return resolved;
      const invitee = this.inviteeOf(state.invitations.get(command.invitationId)?.email);
      return invitee ? { ...resolved, command: { ...command, inviteeUserId: invitee } } : resolved;
    };
  }

  /**
   * R5: inviting someone who already has an account names that account, so the decider can spot a member. A number
   * names nobody: numbers are never proven (an invitation's SMS link is what proves one), and accepting refuses someone
   * who is a member already.
   */
  private inviteeOf(email: unknown): string | undefined {
    const users = this.options.users;
    if (!users || typeof email !== 'string') return undefined;
    // Only a proven address names its account: anyone can put another person's address on theirs, unverified, and
    // would otherwise keep that person from being invited (already-member).
    const holder = users.userWithEmail(email);
    return holder && users.verifiedEmailOf(holder)?.toLowerCase() === email.trim().toLowerCase()
      ? holder
      : undefined;
  }

  private async refusalsAsReplies<R>(work: () => Promise<R>): Promise<R | CommandReply> {
    try {
      return await work();
    } catch (error) {
      if (isDomainError(error)) return { ok: false, error: error.toJSON() };
      throw error;
    }
  }
}
