import { SYSTEM_ACTOR, type CommandOf } from '../organization.commands';
import { type OrganizationEvent } from '../organization.events';
import { refuse, requireActor, requireRole, type Decision } from './guards';

/**
 * R19: parent and child organizations. The parent's Owner or Admin links a child whose Owner they are: the link makes
 * every customers.manage holder of the parent an Admin there, so it is the child's Owner's to give, as ownership
 * is (an Admin linking it under an organization of their own would keep those rights past their own demotion). The
 * child's stream holds its one parent. Members of the parent holding customers.manage then act as an Admin in
 * the child (see `viewFor` in guards).
 */

export function linkChildOrganization({
  command,
  org,
  stamp,
}: Decision<CommandOf<'LinkChildOrganization'>>): OrganizationEvent[] {
  // The parent's side; the child's side (AttachToParent) is the one-parent guard, and the handler writes it first.
  requireRole(org, command.actorId, ['owner', 'admin']);
  if (command.childOrgId === org.orgId)
    refuse('organization-link-cycle', 'rule-violation', 'an organization cannot be its own child (R19)');
  if (org.childOrgIds.has(command.childOrgId)) return [];
  return [{ type: 'ChildOrganizationLinked', data: { ...stamp, childOrgId: command.childOrgId } }];
}

export function unlinkChildOrganization({
  command,
  org,
  stamp,
}: Decision<CommandOf<'UnlinkChildOrganization'>>): OrganizationEvent[] {
  // The system acts for nobody's rights: it ends the links of a deleted organization (R10).
  if (command.actorId !== SYSTEM_ACTOR) requireRole(org, command.actorId, ['owner', 'admin']);
  if (!org.childOrgIds.has(command.childOrgId)) return [];
  return [{ type: 'ChildOrganizationUnlinked', data: { ...stamp, childOrgId: command.childOrgId } }];
}

export function attachToParent({
  command,
  org,
  stamp,
}: Decision<CommandOf<'AttachToParent'>>): OrganizationEvent[] {
  // The child's side of a link, run by the handler as the linking actor, who must be the child's Owner.
  requireActor(org, command.actorId);
  if (org.ownerId !== command.actorId)
    refuse('owner-only', 'forbidden', 'only the Owner links the organization under a parent (R19)');
  if (command.parentOrgId === org.orgId)
    refuse('organization-link-cycle', 'rule-violation', 'an organization cannot be its own parent (R19)');
  if (org.parentOrgId === command.parentOrgId) return [];
  if (org.parentOrgId !== undefined)
    refuse('organization-already-linked', 'conflict', 'this organization already has a parent (R19)', {
      parentOrgId: org.parentOrgId,
    });
  return [{ type: 'ParentOrganizationLinked', data: { ...stamp, parentOrgId: command.parentOrgId } }];
}

export function detachFromParent({
  command,
  org,
  stamp,
}: Decision<CommandOf<'DetachFromParent'>>): OrganizationEvent[] {
  // The parent's Owner/Admin unlinks (checked on the parent's stream first; the system then acts on the child), or
  // the parent was deleted.
  if (command.actorId !== SYSTEM_ACTOR) requireRole(org, command.actorId, ['owner', 'admin']);
  if (org.parentOrgId !== command.parentOrgId) return [];
  return [{ type: 'ParentOrganizationUnlinked', data: { ...stamp, parentOrgId: command.parentOrgId } }];
}
