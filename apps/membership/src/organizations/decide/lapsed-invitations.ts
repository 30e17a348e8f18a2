import { type PermissionsCatalog } from '@app/permissions';
import { type OrganizationEvent } from '../organization.events';
import { type Member } from '../organization.state';
import { gives, pendingInvitations, restsOnItsGiver } from './invitations';
import { type OrganizationView, type Stamp } from './guards';

type Standing = Pick<Member, 'role' | 'granted'>;

/**
 * R5: an invitation lives no longer than its giver's right to give it, and for good. When a change takes that right
 * from a member (a lower role, a revoked permission, an ownership handed on, leaving or removal), the invitations they
 * set and may no longer give are revoked in the same change: given back the right later, they do not come back.
 * Invitations set through a parent's `customers.manage` (R19) are not the child's to see lapse: they are checked when
 * sent or accepted.
 */
export function withLapsedInvitations(
  org: OrganizationView,
  catalog: PermissionsCatalog,
  events: OrganizationEvent[],
  stamp: Stamp,
): OrganizationEvent[] {
  const after = standingsAfter(org, events);
  if (after.size === 0) return events;
  const lapsed: OrganizationEvent[] = [];
  for (const invitation of pendingInvitations(org)) {
    if (!after.has(invitation.grantedBy)) continue;
    if (!restsOnItsGiver(invitation)) continue;
    const before = org.members.get(invitation.grantedBy);
    if (!before || !gives(catalog, before, invitation)) continue;
    const standing = after.get(invitation.grantedBy);
    if (standing && gives(catalog, standing, invitation)) continue;
    lapsed.push({ type: 'InvitationRevoked', data: { ...stamp, invitationId: invitation.invitationId } });
  }
  return [...events, ...lapsed];
}

/** The role and grants these events leave the members whose standing they change (null: no longer a member). */
function standingsAfter(
  org: OrganizationView,
  events: readonly OrganizationEvent[],
): Map<string, Standing | null> {
  const after = new Map<string, Standing | null>();
  const current = (userId: string): Standing | null => {
    if (after.has(userId)) return after.get(userId)!;
    const member = org.members.get(userId);
    return member ? { role: member.role, granted: new Set(member.granted) } : null;
  };
  const change = (userId: string, update: (standing: Standing) => Standing) => {
    const standing = current(userId);
    if (standing) after.set(userId, update(standing));
  };
  for (const event of events)
    switch (event.type) {
      case 'MemberRoleChanged':
        change(event.data.userId, (s) => ({ ...s, role: event.data.to }));
        break;
      case 'OwnershipTransferred':
        change(event.data.from, (s) => ({ ...s, role: 'admin' }));
        break;
      case 'PermissionsRevoked':
        change(event.data.userId, (s) => ({
          ...s,
          granted: new Set([...s.granted].filter((p) => !event.data.permissions.includes(p))),
        }));
        break;
      case 'MemberRemoved':
      case 'MemberLeft':
        after.set(event.data.userId, null);
        break;
    }
  return after;
}
