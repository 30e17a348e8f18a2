import { type Decider } from '@app/domain';
import { defaultCatalog, type PermissionsCatalog } from '@app/permissions';
import { refuse, requireTwoFactorWhereRequired, stampOf, viewFor, type Decision } from './decide/guards';
import {
  attachToParent,
  detachFromParent,
  linkChildOrganization,
  unlinkChildOrganization,
} from './decide/hierarchy';
import {
  acceptInvitation,
  changeInvitation,
  expireInvitation,
  recheckInvitations,
  inviteMember,
  revokeInvitation,
  revokedWithTheirGiver,
  eraseInvitee,
  sendInvitation,
} from './decide/invitations';
import {
  admitMember,
  autoJoinMember,
  changeMemberRole,
  grantPermissions,
  leaveOrganization,
  removeDeletedUser,
  removeMember,
  requestPasswordReset,
  revokePermissions,
  setAvailability,
  setSchedulable,
  transferOwnership,
} from './decide/members';
import {
  claimDomain,
  createOrganization,
  deleteOrganization,
  releaseDomain,
  setContactPerson,
  updateSettings,
} from './decide/settings';
import { addTeamMember, createTeam, deleteTeam, removeTeamMember, renameTeam } from './decide/teams';
import { type OrganizationCommand } from './organization.commands';
import { type OrganizationEvent } from './organization.events';
import { evolveOrganization, initialOrganizationState, type OrganizationState } from './organization.state';

export { SYSTEM_ACTOR, type OrganizationCommand } from './organization.commands';

/**
 * The organization aggregate. `decide` checks what every command shares (the organization exists, R22, the R19
 * acting view, the time stamp) and hands the command to its area in `decide/`: members and roles, teams,
 * invitations, settings and domains, hierarchy.
 */
export function organizationDecider(
  catalog: PermissionsCatalog = defaultCatalog,
): Decider<OrganizationState, OrganizationCommand, OrganizationEvent> {
  return {
    initialState: initialOrganizationState,
    evolve: evolveOrganization,
    decide: (command, state) => decideOrganization(command, state, catalog),
  };
}

function decideOrganization(
  command: OrganizationCommand,
  state: OrganizationState,
  catalog: PermissionsCatalog,
): OrganizationEvent[] {
  if (command.type === 'CreateOrganization') return createOrganization(command, state, catalog);
  if (state.status === 'none') refuse('organization-not-found', 'not-found', 'no such organization');
  if (state.status === 'deleted') refuse('organization-deleted', 'gone', 'the organization was deleted');
  requireTwoFactorWhereRequired(state, command);
  const d = { command, org: viewFor(state, command), catalog, stamp: stampOf(state, command) };
  const events = decideInArea(d);
  return events.length === 0
    ? events
    : [...events, ...revokedWithTheirGiver(d.org, events, catalog, d.stamp)];
}

function decideInArea(
  d: Decision<Exclude<OrganizationCommand, { type: 'CreateOrganization' }>>,
): OrganizationEvent[] {
  const { command } = d;
  switch (command.type) {
    case 'AdmitMember':
      return admitMember(narrow(d, command));
    case 'AutoJoinMember':
      return autoJoinMember(narrow(d, command));
    case 'ChangeMemberRole':
      return changeMemberRole(narrow(d, command));
    case 'TransferOwnership':
      return transferOwnership(narrow(d, command));
    case 'GrantPermissions':
      return grantPermissions(narrow(d, command));
    case 'RevokePermissions':
      return revokePermissions(narrow(d, command));
    case 'SetSchedulable':
      return setSchedulable(narrow(d, command));
    case 'SetAvailability':
      return setAvailability(narrow(d, command));
    case 'RemoveMember':
      return removeMember(narrow(d, command));
    case 'LeaveOrganization':
      return leaveOrganization(narrow(d, command));
    case 'RemoveDeletedUser':
      return removeDeletedUser(narrow(d, command));
    case 'RequestPasswordReset':
      return requestPasswordReset(narrow(d, command));
    case 'CreateTeam':
      return createTeam(narrow(d, command));
    case 'RenameTeam':
      return renameTeam(narrow(d, command));
    case 'DeleteTeam':
      return deleteTeam(narrow(d, command));
    case 'AddTeamMember':
      return addTeamMember(narrow(d, command));
    case 'RemoveTeamMember':
      return removeTeamMember(narrow(d, command));
    case 'InviteMember':
      return inviteMember(narrow(d, command));
    case 'ChangeInvitation':
      return changeInvitation(narrow(d, command));
    case 'SendInvitation':
      return sendInvitation(narrow(d, command));
    case 'RevokeInvitation':
      return revokeInvitation(narrow(d, command));
    case 'EraseInvitee':
      return eraseInvitee(narrow(d, command));
    case 'AcceptInvitation':
      return acceptInvitation(narrow(d, command));
    case 'ExpireInvitation':
      return expireInvitation(narrow(d, command));
    case 'RecheckInvitations':
      return recheckInvitations(narrow(d, command));
    case 'UpdateSettings':
      return updateSettings(narrow(d, command));
    case 'SetContactPerson':
      return setContactPerson(narrow(d, command));
    case 'ClaimDomain':
      return claimDomain(narrow(d, command));
    case 'ReleaseDomain':
      return releaseDomain(narrow(d, command));
    case 'DeleteOrganization':
      return deleteOrganization(narrow(d, command));
    case 'LinkChildOrganization':
      return linkChildOrganization(narrow(d, command));
    case 'UnlinkChildOrganization':
      return unlinkChildOrganization(narrow(d, command));
    case 'AttachToParent':
      return attachToParent(narrow(d, command));
    case 'DetachFromParent':
      return detachFromParent(narrow(d, command));
    default:
      return unreachable(command);
  }
}

/** The decision with its command narrowed to the case at hand. */
function narrow<C extends OrganizationCommand>(decision: Decision, command: C): Decision<C> {
  return { ...decision, command };
}

function unreachable(command: never): never {
  throw new Error(`unhandled command ${(command as { type: string }).type}`);
}
