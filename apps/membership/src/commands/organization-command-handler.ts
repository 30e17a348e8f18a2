import { AggregateStateCache, type AggregateStore } from '@app/event-store';
import { domainClaimDecider, domainClaimStream } from '../organizations/domain-claim.decider';
import {
  organizationDecider,
  SYSTEM_ACTOR,
  type OrganizationCommand,
} from '../organizations/organization.decider';
import { type ActiveOrganization, type OrganizationState } from '../organizations/organization.state';
import { type UserDirectory } from '../indexes/user-directory';
import { organizationSnapshots } from '../organizations/organization.snapshot';
import {
  defaultCatalog,
  effectivePermissions,
  type PermissionsCatalog,
} from '@app/permissions';
import { DomainError, isDomainError } from '@app/domain';
import { MAX_IMPORT_ROWS, planInvitationImport, type ImportRow } from '../invitations/invitation-import';
import { type CommandReply, type ImportReply } from './command-reply';
import { parseOrganizationCommand, type OrganizationCommandRequest } from './organization-command-request';

export const organizationStream = (orgId: string) => `organization-${orgId}`;

export interface OrganizationCommandOptions {
  readonly catalog?: PermissionsCatalog;
  readonly now?: () => Date;
  /** R5: how long invitations stay valid (default 7 days). */
  readonly invitationLifetimeMs?: number;
  /** How many organizations' states stay in memory between commands (default 1,000). */
  readonly cachedOrganizations?: number;
  /** Who holds an e-mail address or phone number (R5: inviting an existing member is a conflict). */
  readonly users?: Pick<UserDirectory, 'userWithEmail' | 'userWithPhone'>;
}

/** Refusals for lacking a role or permission: R19 may still let the actor act through the parent. */
const LACKS_ROLE: ReadonlySet<string> = new Set([
  'not-a-member',
  'insufficient-role',
  'insufficient-permission',
]);
const CUSTOMERS_MANAGE = 'customers.manage';
/** R19: how far up a chain of parents the cycle check looks. */
const MAX_DEPTH = 32;

function reply(result: {
  revision: bigint | undefined;
  events: readonly unknown[];
  duplicate: boolean;
}): CommandReply {
  return {
    ok: true,
    revision: result.revision === undefined ? null : result.revision.toString(),
    events: result.events.length,
    duplicate: result.duplicate,
  };
}

/**
 * Runs one membership command against its organization's stream: validate, load (snapshot + tail), decide, append
 * with the expected revision (bounded retries on conflict), and answer with the new revision or a typed refusal.
 * Refusals are replies, not exceptions: a refused command must not be retried by the bus.
 */
export class OrganizationCommandHandler {
  private readonly aggregate;

  private readonly catalog: PermissionsCatalog;
  private readonly now: () => Date;

  constructor(
    private readonly store: AggregateStore,
    private readonly options: OrganizationCommandOptions = {},
  ) {
    this.catalog = options.catalog ?? defaultCatalog;
    this.now = options.now ?? (() => new Date());
    this.aggregate = {
      decider: organizationDecider(this.catalog),
      snapshots: organizationSnapshots,
      cache: new AggregateStateCache<OrganizationState>(options.cachedOrganizations ?? 1_000),
    };
  }

  async handle(raw: unknown): Promise<CommandReply | ImportReply> {
    if (isImportRequest(raw)) return this.importInvitations(raw);
    try {
      const parsed = parseOrganizationCommand(
        raw,
        this.now().toISOString(),
        this.options.invitationLifetimeMs,
      );
      const request = parsed.request;
      const command = this.withInvitee(parsed.command);
      if (command.type === 'LinkChildOrganization') return await this.linkChild(request, command);
      if (command.type === 'UnlinkChildOrganization') return await this.unlinkChild(request, command);
      if (command.type === 'ClaimDomain')
        await this.claimDomainFirst(request.orgId, request.commandId, command);
      const result = await this.run(request, command);
      // Whatever released a domain (ReleaseDomain, deleting the organization) also frees its claim stream.
      for (const event of result.events) {
        if (event.type === 'DomainReleased')
          await this.releaseClaim(event.data.domain, request.orgId, request.commandId);
      }
      return reply(result);
    } catch (error) {
      if (isDomainError(error)) return { ok: false, error: error.toJSON() };
      throw error;
    }
  }

  /** R5: inviting someone who already has an account names that account, so the decider can spot a member. */
  private withInvitee(command: OrganizationCommand): OrganizationCommand {
    const users = this.options.users;
    if (command.type !== 'InviteMember' || !users || command.inviteeUserId) return command;
    const inviteeUserId = command.email
      ? users.userWithEmail(command.email)
      : command.phone
        ? users.userWithPhone(command.phone)
        : undefined;
    return inviteeUserId ? { ...command, inviteeUserId } : command;
  }

  /**
   * Runs the command as the actor. R19: when the actor lacks the role here but holds `customers.manage` in this
   * organization's parent, it runs again with the actor acting as an Admin (the decider checks the parent is ours).
   */
  private async run(
    request: OrganizationCommandRequest,
    command: OrganizationCommand,
    orgId = request.orgId,
    commandId = request.commandId,
  ) {
    const execute = (cmd: OrganizationCommand) =>
      this.store.handle(organizationStream(orgId), this.aggregate, cmd, {
        commandId,
        actor: request.actorId,
        tenant: orgId,
        ...(request.correlationId ? { correlationId: request.correlationId } : {}),
      });
    try {
      return await execute(command);
    } catch (error) {
      if (!isDomainError(error) || !LACKS_ROLE.has(error.code)) throw error;
      const via = await this.parentGrantingAdmin(orgId, request.actorId);
      if (!via) throw error;
      return execute({ ...command, actorActsAsAdminVia: via });
    }
  }

  /** R19: the parent organization in which the actor holds `customers.manage`, if this organization has one. */
  private async parentGrantingAdmin(orgId: string, actorId: string): Promise<string | undefined> {
    const org = await this.loadActive(orgId);
    if (!org?.parentOrgId) return undefined;
    const parent = await this.loadActive(org.parentOrgId);
    const member = parent?.members.get(actorId);
    if (!member) return undefined;
    return effectivePermissions(this.catalog, member.role, member.granted).has(CUSTOMERS_MANAGE)
      ? org.parentOrgId
      : undefined;
  }

  private async loadActive(orgId: string): Promise<ActiveOrganization | undefined> {
    const { state } = await this.store.load(organizationStream(orgId), this.aggregate);
    return state.status === 'active' ? state : undefined;
  }

  /**
   * R19: the parent's Owner/Admin links a child whose Owner/Admin they also are. The parent's rules are checked first
   * (a dry run), then the child records its parent (its stream is the one-parent guard), then the parent records
   * the child. Cycles are refused by walking the parent's ancestors. A retried command id converges.
   */
  private async linkChild(
    request: OrganizationCommandRequest,
    command: OrganizationCommand & { type: 'LinkChildOrganization' },
  ): Promise<CommandReply> {
    const parent = await this.store.load(organizationStream(request.orgId), this.aggregate);
    this.aggregate.decider.decide(command, parent.state);
    const child = await this.loadActive(command.childOrgId);
    if (!child)
      throw new DomainError('organization-not-found', 'not-found', 'no such child organization', {
        field: 'childOrgId',
      });
    for (let ancestor = request.orgId, depth = 0; depth < MAX_DEPTH; depth++) {
      if (ancestor === command.childOrgId)
        throw new DomainError(
          'organization-link-cycle',
          'rule-violation',
          'the link would make a cycle (R19)',
        );
      const next = (await this.loadActive(ancestor))?.parentOrgId;
      if (!next) break;
      ancestor = next;
    }
    const attach: OrganizationCommand = {
      type: 'AttachToParent',
      parentOrgId: request.orgId,
      actorId: command.actorId,
      at: command.at,
      ...(command.actorTwoFactor ? { actorTwoFactor: true } : {}),
    };
    await this.run(request, attach, command.childOrgId, `${request.commandId}/attach`);
    return reply(await this.run(request, command));
  }

  /** The parent's Owner/Admin unlinks; the child then forgets its parent (the system acts on the child's side). */
  private async unlinkChild(
    request: OrganizationCommandRequest,
    command: OrganizationCommand & { type: 'UnlinkChildOrganization' },
  ): Promise<CommandReply> {
    const result = await this.run(request, command);
    await this.store.handle(
      organizationStream(command.childOrgId),
      this.aggregate,
      { type: 'DetachFromParent', parentOrgId: request.orgId, actorId: SYSTEM_ACTOR, at: command.at },
      { commandId: `${request.commandId}/detach`, actor: request.actorId, tenant: command.childOrgId },
    );
    return reply(result);
  }

  /**
   * R16: one organization per domain. The organization's own rules are checked first (a dry run), then the domain's
   * stream is claimed, then the organization records it. Releases (ReleaseDomain, organization deletion) free the
   * claim stream afterwards; a claim left by a deleted organization is taken over.
   */
  private async claimDomainFirst(
    orgId: string,
    commandId: string,
    command: OrganizationCommand & { type: 'ClaimDomain' },
  ): Promise<void> {
    const loaded = await this.store.load(organizationStream(orgId), this.aggregate);
    const events = this.aggregate.decider.decide(command, loaded.state);
    const claimed = events.find((e) => e.type === 'DomainClaimed');
    if (!claimed || claimed.type !== 'DomainClaimed') return;
    const domain = claimed.data.domain;
    const register = (attempt: string) =>
      this.store.handle(
        domainClaimStream(domain),
        { decider: domainClaimDecider },
        { type: 'RegisterClaim', domain, orgId, at: command.at },
        { commandId: `${commandId}/claim/${attempt}`, actor: command.actorId, tenant: orgId },
      );
    try {
      await register('first');
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'domain-claimed') throw error;
      const holder = (await this.store.load(domainClaimStream(domain), { decider: domainClaimDecider })).state
        .orgId;
      const holderState = holder
        ? (await this.store.load(organizationStream(holder), this.aggregate)).state
        : undefined;
      // Only a deleted holder's claim is stale: an active holder may be between claiming and recording the claim.
      if (holderState?.status === 'active') throw error;
      await this.releaseClaim(domain, holder!, `${commandId}/takeover`);
      await register('after-takeover');
    }
  }

  private async releaseClaim(domain: string, orgId: string, commandId: string): Promise<void> {
    await this.store.handle(
      domainClaimStream(domain),
      { decider: domainClaimDecider },
      { type: 'ReleaseClaim', domain, orgId, at: this.now().toISOString() },
      { commandId: `${commandId}/release`, actor: 'system', tenant: orgId },
    );
  }

  /** The organization that claimed a domain, if any (R16 auto-join). */
  async organizationClaiming(domain: string): Promise<string | undefined> {
    return (await this.store.load(domainClaimStream(domain), { decider: domainClaimDecider })).state.orgId;
  }

  /**
   * R7: each good row is its own InviteMember, so one refused row never undoes the others; invitation ids come from
   * the organization and the person, so running the same import again invites nobody twice.
   */
  private async importInvitations(raw: ImportRequest): Promise<CommandReply | ImportReply> {
    if (
      !Array.isArray(raw.command.rows) ||
      raw.command.rows.length === 0 ||
      raw.command.rows.length > MAX_IMPORT_ROWS
    ) {
      return refusal('command.rows', `must be a list of 1 to ${MAX_IMPORT_ROWS} rows`);
    }
    if (raw.command.send !== undefined && typeof raw.command.send !== 'boolean')
      return refusal('command.send', 'must be true or false');
    const results: ImportReply['results'][number][] = [];
    for (const planned of planInvitationImport(raw.orgId, raw.command.rows as ImportRow[])) {
      if (!planned.ok) {
        results.push({
          row: planned.row,
          status: 'refused',
          error: { code: planned.code, field: planned.field, message: planned.message },
        });
        continue;
      }
      const reply = (await this.handle({
        commandId: `${raw.commandId}/${planned.row}`,
        orgId: raw.orgId,
        actorId: raw.actorId,
        ...(raw.correlationId ? { correlationId: raw.correlationId } : {}),
        command: {
          type: 'InviteMember',
          invitationId: planned.invitationId,
          ...(planned.email ? { email: planned.email } : { phone: planned.phone }),
          role: planned.role,
          teamIds: planned.teamIds,
          send: raw.command.send ?? true,
        },
      })) as CommandReply;
      results.push(
        reply.ok
          ? {
              row: planned.row,
              status: reply.events > 0 ? 'invited' : 'unchanged',
              invitationId: planned.invitationId,
            }
          : {
              row: planned.row,
              status: 'refused',
              error: {
                code: reply.error.code,
                message: reply.error.message,
                ...fieldOf(reply.error.details),
              },
            },
      );
    }
    return { ok: true, results };
  }
}

interface ImportRequest {
  readonly commandId: string;
  readonly orgId: string;
  readonly actorId: string;
  readonly correlationId?: string;
  readonly command: { readonly type: 'ImportInvitations'; readonly rows?: unknown; readonly send?: unknown };
}

function isImportRequest(raw: unknown): raw is ImportRequest {
  const r = raw as {
    commandId?: unknown;
    orgId?: unknown;
    actorId?: unknown;
    command?: { type?: unknown };
  } | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.command?.type === 'ImportInvitations' &&
    typeof r.commandId === 'string' &&
    typeof r.orgId === 'string' &&
    typeof r.actorId === 'string'
  );
}

function refusal(field: string, message: string): CommandReply {
  return {
    ok: false,
    error: new DomainError('validation-failed', 'validation', `${field}: ${message}`, { field }).toJSON(),
  };
}

function fieldOf(details: Readonly<Record<string, unknown>>): { field?: string } {
  return typeof details.field === 'string' ? { field: details.field } : {};
}
