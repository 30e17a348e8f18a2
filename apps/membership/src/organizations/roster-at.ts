import { type OrganizationEvent, type TeamRole } from './organization.events';
import { evolveOrganization, initialOrganizationState, type OrganizationState } from './organization.state';
import {
  defaultCatalog,
  effectivePermissions,
  type PermissionsCatalog,
  type Role,
} from './permissions-catalog';

export interface RosterEntry {
  readonly userId: string;
  readonly role: Role;
  readonly permissions: string[];
  readonly teams: { teamId: string; name: string; role: TeamRole }[];
}

/**
 * R21: every member's role, effective permissions and teams as they were at `instant`, by folding the history up to
 * it. Events are in stream order and carry their time, so the fold stops at the first event after the instant.
 */
export function rosterAt(
  history: Iterable<OrganizationEvent>,
  instant: Date,
  catalog: PermissionsCatalog = defaultCatalog,
): RosterEntry[] {
  let state: OrganizationState = initialOrganizationState();
  const until = instant.getTime();
  for (const event of history) {
    if (Date.parse(event.data.at) > until) break;
    state = evolveOrganization(state, event);
  }
  if (state.status !== 'active') return [];
  const org = state;
  return [...org.members.values()]
    .map((m) => ({
      userId: m.userId,
      role: m.role,
      permissions: [...effectivePermissions(catalog, m.role, m.granted)].sort(),
      teams: [...org.teams.values()]
        .filter((t) => t.members.has(m.userId))
        .map((t) => ({ teamId: t.teamId, name: t.name, role: t.members.get(m.userId)! }))
        .sort((a, b) => a.teamId.localeCompare(b.teamId)),
    }))
    .sort((a, b) => a.userId.localeCompare(b.userId));
}
