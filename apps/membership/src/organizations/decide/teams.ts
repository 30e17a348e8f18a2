import { type CommandOf } from '../organization.commands';
import { type OrganizationEvent } from '../organization.events';
import { type Member, type Team } from '../organization.state';
import {
  holds,
  refuse,
  requireActor,
  requirePermission,
  type Decision,
  type OrganizationView,
  visibleMemberOf,
} from './guards';
import { type PermissionsCatalog } from '@app/permissions';

/** Teams (R11, R12): holders of teams.create create them; teams.manage or managing the team edits it. */

export function createTeam({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'CreateTeam'>>): OrganizationEvent[] {
  // R11: Owner and Admins (holders of teams.create) create teams; a User cannot unless granted it.
  requirePermission(org, catalog, command.actorId, 'teams.create');
  const name = validTeamName(command.name);
  const existing = org.teams.get(command.teamId);
  if (existing) {
    if (existing.name === name) return [];
    refuse('team-exists', 'conflict', 'a team with this id exists', { teamId: command.teamId });
  }
  assertTeamNameFree(org, name, command.teamId);
  return [{ type: 'TeamCreated', data: { ...stamp, teamId: command.teamId, name } }];
}

export function renameTeam({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'RenameTeam'>>): OrganizationEvent[] {
  const team = teamOf(org, command.teamId);
  requireTeamManager(org, catalog, command.actorId, team);
  const name = validTeamName(command.name);
  if (team.name === name) return [];
  assertTeamNameFree(org, name, command.teamId);
  return [{ type: 'TeamRenamed', data: { ...stamp, teamId: team.teamId, name } }];
}

export function deleteTeam({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'DeleteTeam'>>): OrganizationEvent[] {
  // R11: deleting is for holders of teams.manage (Owner and Admins); a team's managers do not delete it.
  requirePermission(org, catalog, command.actorId, 'teams.manage');
  if (!org.teams.has(command.teamId)) return [];
  return [{ type: 'TeamDeleted', data: { ...stamp, teamId: command.teamId, reason: 'deleted' } }];
}

export function addTeamMember({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'AddTeamMember'>>): OrganizationEvent[] {
  const team = teamOf(org, command.teamId);
  const actor = requireTeamManager(org, catalog, command.actorId, team);
  // R19: acting through a parent, nobody gives themself a standing of their own here, which would outlive the link.
  if (org.actingAs?.userId === command.actorId && command.userId === command.actorId)
    refuse(
      'cannot-change-own-role',
      'rule-violation',
      'acting through a parent, nobody puts themself in a team (R19)',
    );
  // R12: only members of the organization can be in its teams; R13: a manager who is a User adds only members they
  // see (someone they do not is answered as no member at all), or adding them would show them.
  visibleMemberOf(org, catalog, actor, command.userId);
  if (team.members.get(command.userId) === command.role) return [];
  return [
    {
      type: 'TeamMemberAdded',
      data: { ...stamp, teamId: team.teamId, userId: command.userId, role: command.role },
    },
  ];
}

export function removeTeamMember({
  command,
  org,
  catalog,
  stamp,
}: Decision<CommandOf<'RemoveTeamMember'>>): OrganizationEvent[] {
  const team = teamOf(org, command.teamId);
  requireTeamManager(org, catalog, command.actorId, team);
  if (!team.members.has(command.userId)) return [];
  return [{ type: 'TeamMemberRemoved', data: { ...stamp, teamId: team.teamId, userId: command.userId } }];
}

export function teamOf(org: OrganizationView, teamId: string): Team {
  const team = org.teams.get(teamId);
  if (!team) noTeam(teamId);
  return team;
}

function noTeam(teamId: string): never {
  refuse('team-not-found', 'not-found', `no team ${teamId}`, { teamId });
}

/** R11: holders of teams.manage (Owner and Admins) manage any team; a User manages the teams they manage. */
export function requireTeamManager(
  org: OrganizationView,
  catalog: PermissionsCatalog,
  actorId: string,
  team: Team,
): Member {
  const actor = requireActor(org, actorId);
  if (holds(catalog, actor, 'teams.manage')) return actor;
  // R13: a team the actor does not see is answered as no team, as reading it is: a 403 would say it exists.
  if (!holds(catalog, actor, 'members.read') && !team.members.has(actorId)) noTeam(team.teamId);
  if (team.members.get(actorId) !== 'manager') {
    refuse('insufficient-role', 'forbidden', 'requires teams.manage or managing this team (R11)', {
      required: 'teams.manage',
    });
  }
  return actor;
}

const comparable = (name: string) => name.normalize('NFKC').toLowerCase();

function validTeamName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > 100) {
    refuse('invalid-name', 'validation', 'team name must be 1 to 100 characters', { field: 'name' });
  }
  return name;
}

/**
 * Names are compared after Unicode compatibility folding (NFKC) and lower-casing, so that full-width `Ｓａｌｅｓ` or a
 * ligature cannot stand beside `Sales` (other look-alikes, such as letters of other scripts, are not folded). A team
 * may change the case of its own name.
 */
function assertTeamNameFree(org: OrganizationView, name: string, teamId: string): void {
  const wanted = comparable(name);
  for (const team of org.teams.values()) {
    if (team.teamId !== teamId && comparable(team.name) === wanted) {
      refuse('team-name-taken', 'conflict', `a team named ${name} exists`, { field: 'name' });
    }
  }
}
