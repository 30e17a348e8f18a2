import { DomainError } from '@app/domain';
import { type CommandResolver } from '@app/event-store';
import { rankOf, type PermissionsCatalog } from '@app/permissions';
import { ADMIN_ACTS, partnersAmong } from '../organizations/decide/guards';
import { SYSTEM_ACTOR, type OrganizationCommand } from '../organizations/organization.commands';
import { pendingInvitations } from '../organizations/decide/invitations';
import { type OrganizationState } from '../organizations/organization.state';
import { type OrganizationStreams } from './organization-streams';

/**
 * The commands that ask whether a pending invitation's terms are still given (R5, R19). Auto-join does too: it leaves
 * an invitee to an invitation they can accept (R16), one a parent's agent set them included.
 */
const ASK_IF_INVITATIONS_GIVEN: ReadonlySet<OrganizationCommand['type']> = new Set([
  'InviteMember',
  'ChangeInvitation',
  'SendInvitation',
  'AcceptInvitation',
  'AutoJoinMember',
]);

/**
 * The commands that can take away a member's right to give their invitations' terms here (a demotion, a revoked
 * grant, a removal, leaving). They revoke those invitations with it (R5) unless the giver still gives the terms as an
 * Admin through the parent (R19), so for them every giver is looked up there, Owners and Admins included.
 */
const CHANGE_GIVERS_STANDING: ReadonlySet<OrganizationCommand['type']> = new Set([
  'ChangeMemberRole',
  'TransferOwnership',
  'RevokePermissions',
  'RemoveMember',
  'LeaveOrganization',
  'RemoveDeletedUser',
  'RecheckInvitations',
]);

/**
 * R19, resolved before deciding: an actor who is not an Owner or Admin of the organization, acting on an admin act,
 * acts as an Admin through the parent when they hold `customers.manage` there. The event's metadata then says so
 * (`actingVia`), so that an auditor can tell. For the commands that check invitations, or may take away a giver's
 * right to give them, it also resolves which of those who set their terms hold `customers.manage` in the parent.
 */
export function withActorStanding(
  command: OrganizationCommand,
  streams: OrganizationStreams,
  catalog: PermissionsCatalog,
): CommandResolver<OrganizationState, OrganizationCommand> {
  return async (state) => {
    const resolved = await actorStanding(command, state, streams, catalog);
    const givers = await giversActingViaParent(command, state, streams, catalog);
    return givers
      ? { ...resolved, command: { ...resolved.command, giversActingViaParent: givers } }
      : resolved;
  };
}

async function actorStanding(
  command: OrganizationCommand,
  state: OrganizationState,
  streams: OrganizationStreams,
  catalog: PermissionsCatalog,
): Promise<{ command: OrganizationCommand; actingVia?: string }> {
  if (state.status !== 'active' || !state.parentOrgId || !ADMIN_ACTS.has(command.type)) return { command };
  const own = state.members.get(command.actorId);
  if (own && rankOf(own.role) >= rankOf('admin')) return { command };
  const parent = await streams.active(state.parentOrgId);
  if (partnersAmong(parent, catalog, [command.actorId], state.orgId).length === 0) return { command };
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
}

/** Of those who set pending invitations' terms, the ones who may act as an Admin here through the parent now. */
async function giversActingViaParent(
  command: OrganizationCommand,
  state: OrganizationState,
  streams: OrganizationStreams,
  catalog: PermissionsCatalog,
): Promise<OrganizationCommand['giversActingViaParent']> {
  if (state.status !== 'active' || !state.parentOrgId) return undefined;
  const standingChanges = CHANGE_GIVERS_STANDING.has(command.type);
  if (!standingChanges && !ASK_IF_INVITATIONS_GIVEN.has(command.type)) return undefined;
  // An Owner or Admin of this organization gives no more as an Admin through the parent: unless this command may
  // change their standing, only the others are looked up.
  const givers = new Set(
    pendingInvitations(state)
      .map((invitation) => invitation.grantedBy)
      .filter((userId) => {
        const member = state.members.get(userId);
        return (
          userId !== SYSTEM_ACTOR && (standingChanges || !member || rankOf(member.role) < rankOf('admin'))
        );
      }),
  );
  if (givers.size === 0) return undefined;
  const parent = await streams.active(state.parentOrgId);
  return { parentOrgId: state.parentOrgId, userIds: partnersAmong(parent, catalog, givers, state.orgId) };
}
