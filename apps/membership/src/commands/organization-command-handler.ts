import { isDomainError } from '@app/domain';
import { type AggregateStore } from '@app/event-store';
import { organizationDecider } from '../organizations/organization.decider';
import { organizationSnapshots } from '../organizations/organization.snapshot';
import { type PermissionsCatalog } from '../organizations/permissions-catalog';
import { type CommandReply } from './command-reply';
import { parseOrganizationCommand } from './organization-command-request';

export const organizationStream = (orgId: string) => `organization-${orgId}`;

/**
 * Runs one membership command against its organization's stream: validate, load (snapshot + tail), decide, append
 * with the expected revision (bounded retries on conflict), and answer with the new revision or a typed refusal.
 * Refusals are replies, not exceptions: a refused command must not be retried by the bus.
 */
export class OrganizationCommandHandler {
  private readonly aggregate;

  constructor(
    private readonly store: AggregateStore,
    catalog?: PermissionsCatalog,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.aggregate = { decider: organizationDecider(catalog), snapshots: organizationSnapshots };
  }

  async handle(raw: unknown): Promise<CommandReply> {
    try {
      const { request, command } = parseOrganizationCommand(raw, this.now().toISOString());
      const result = await this.store.handle(organizationStream(request.orgId), this.aggregate, command, {
        commandId: request.commandId,
        actor: request.actorId,
        tenant: request.orgId,
        ...(request.correlationId ? { correlationId: request.correlationId } : {}),
      });
      return {
        ok: true,
        revision: result.revision === undefined ? null : result.revision.toString(),
        events: result.events.length,
        duplicate: result.duplicate,
      };
    } catch (error) {
      if (isDomainError(error)) return { ok: false, error: error.toJSON() };
      throw error;
    }
  }
}
