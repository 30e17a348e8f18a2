import { type CommandResolver } from '@app/event-store';
import { effectivePermissions, rankOf, type PermissionsCatalog } from '@app/permissions';
import { ADMIN_ACTS } from '../organizations/decide/guards';
import { type OrganizationCommand } from '../organizations/organization.commands';
import { type OrganizationState } from '../organizations/organization.state';
import { type OrganizationStreams } from './organization-streams';

const CUSTOMERS_MANAGE = 'customers.manage';

/**
 * R19, resolved before deciding: an actor who is not an Owner or Admin of the organization, acting on an admin act,
 * acts as an Admin through the parent when they hold `customers.manage` there. The event's metadata then says so
 * (`actingVia`), so that an auditor can tell.
 */
export function withActorStanding(
  command: OrganizationCommand,
  streams: OrganizationStreams,
  catalog: PermissionsCatalog,
): CommandResolver<OrganizationState, OrganizationCommand> {
  return async (state) => {
    if (state.status !== 'active' || !state.parentOrgId || !ADMIN_ACTS.has(command.type)) return { command };
    const own = state.members.get(command.actorId);
    if (own && rankOf(own.role) >= rankOf('admin')) return { command };
    const parent = await streams.active(state.parentOrgId);
    const member = parent?.members.get(command.actorId);
    if (!member || !effectivePermissions(catalog, member.role, member.granted).has(CUSTOMERS_MANAGE))
      return { command };
    return { command: { ...command, actorActsAsAdminVia: state.parentOrgId }, actingVia: state.parentOrgId };
  };
}
