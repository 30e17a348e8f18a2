import { type Schemas } from '../api/client';
import { useOrg } from '../org';
import { Check, Choice } from '../ui/field';

export type InvitedRole = 'admin' | 'user';

/** An invitation's role and teams, in the invite dialog and when an invitation is changed. */
export function RoleAndTeams({
  role,
  onRole,
  teams,
  teamIds,
  onTeamIds,
}: {
  role: InvitedRole;
  onRole: (role: InvitedRole) => void;
  teams: readonly Schemas['TeamView'][];
  teamIds: readonly string[];
  onTeamIds: (teamIds: string[]) => void;
}) {
  const { org } = useOrg();
  return (
    <>
      <Choice label="Role" value={role} onChange={(e) => onRole(e.target.value as InvitedRole)}>
        <option value="user">User</option>
        {/* Nobody invites above their own role (docs/permissions.md, bounds on delegation). */}
        {org.myRole !== 'user' && <option value="admin">Admin</option>}
      </Choice>
      {teams.length > 0 && (
        <fieldset>
          <legend>Teams</legend>
          {teams.map((team) => (
            <Check
              key={team.teamId}
              label={team.name}
              checked={teamIds.includes(team.teamId)}
              onChange={(e) =>
                onTeamIds(
                  e.target.checked ? [...teamIds, team.teamId] : teamIds.filter((t) => t !== team.teamId),
                )
              }
            />
          ))}
        </fieldset>
      )}
    </>
  );
}
