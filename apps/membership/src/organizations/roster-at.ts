import { type OrganizationEvent, type TeamRole } from './organization.events';
import { evolveOrganization, initialOrganizationState, type OrganizationState } from './organization.state';
import { defaultCatalog, effectivePermissions, type PermissionsCatalog, type Role } from '@app/permissions';

export interface RosterEntry {
  readonly userId: string;
  readonly role: Role;
  readonly permissions: string[];
  /** The member's own grants: `permissions` less these came with the role. */
  readonly granted: string[];
  readonly teams: { teamId: string; name: string; role: TeamRole }[];
}

/**
 * R21: every member's role, effective permissions and teams as they were at `instant`: the history is folded in
 * stream order up to the first event recorded after the instant. Within a stream, event times never go backwards
 * (the decider stamps no event earlier than the one before it); histories written before that rule are read the
 * same way, each event taking the latest time seen so far, so the answer is always a prefix of the stream.
 */
export function rosterAt(
  history: Iterable<OrganizationEvent>,
  instant: Date,
  catalog: PermissionsCatalog = defaultCatalog,
): RosterEntry[] {
  let state: OrganizationState = initialOrganizationState();
  const until = instant.getTime();
  let recordedAt = -Infinity;
  for (const event of history) {
    recordedAt = Math.max(recordedAt, Date.parse(event.data.at));
    if (recordedAt > until) break;
    state = evolveOrganization(state, event);
  }
  if (state.status !== 'active') return [];
  const org = state;
  return [...org.members.values()]
    .map((m) => ({
      userId: m.userId,
      role: m.role,
      permissions: [...effectivePermissions(catalog, m.role, m.granted)].sort(),
      granted: [...m.granted].sort(),
      teams: [...org.teams.values()]
        .filter((t) => t.members.has(m.userId))
        .map((t) => ({ teamId: t.teamId, name: t.name, role: t.members.get(m.userId)! }))
        .sort((a, b) => a.teamId.localeCompare(b.teamId)),
    }))
    .sort((a, b) => a.userId.localeCompare(b.userId));
}
