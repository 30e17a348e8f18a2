import { DomainError } from '@app/domain';
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
    // R22: a parent that requires a second factor requires it for acting through it too. A member of this
    // organization without one acts in their own right (and is refused what that does not allow).
    if (parent!.requireTwoFactor && !command.actorTwoFactor) {
      if (own) return { command };
      throw new DomainError(
        'two-factor-required',
        'forbidden',
        'the parent organization requires two-factor authentication to act through it (R19, R22)',
      );
    }
    return { command: { ...command, actorActsAsAdminVia: state.parentOrgId }, actingVia: state.parentOrgId };
  };
}
