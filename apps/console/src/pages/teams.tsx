import { useState } from 'react';
import { Link } from 'wouter';
import { api, unwrap, type Schemas } from '../api/client';
import { useOrg } from '../org';
import { Alert, Notice, Show, useAction, useLoad } from '../ui/async';
import { Choice, Field } from '../ui/field';

/** Teams with their managers and members (R11, R12): create, add and remove members, rename, delete. */
export function Teams() {
  const { org, can } = useOrg();
  const orgId = org.orgId;
  const teams = useLoad(
    () => unwrap(api.GET('/v1/orgs/{orgId}/teams', { params: { path: { orgId } } })),
    orgId,
  );
  const members = useLoad(
    () => unwrap(api.GET('/v1/orgs/{orgId}/members', { params: { path: { orgId }, query: { limit: 200 } } })),
    orgId,
  );
  const action = useAction();
  const [done, setDone] = useState<string>();
  const nameOf = new Map((members.data?.items ?? []).map((m) => [m.userId, m.name ?? m.userId]));
  const act = (what: string, call: () => Promise<unknown>) =>
    action.run(async () => {
      await call();
      setDone(what);
      teams.reload();
    });
  return (
    <>
      <h1>Teams</h1>
      {can('teams.create') && (
        <form
          className="inline"
          onSubmit={async (event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const name = String(new FormData(form).get('name')).trim();
            const ok = await act(`Team ${name} created.`, () =>
              unwrap(api.POST('/v1/orgs/{orgId}/teams', { params: { path: { orgId } }, body: { name } })),
            );
            if (ok) form.reset();
          }}
        >
          <Field label="New team" name="name" required />
          <button disabled={action.busy}>Create team</button>
        </form>
      )}
      <Alert>{action.error}</Alert>
      {done && <Notice>{done}</Notice>}
      <Show loaded={teams} empty={(page) => (page.items.length === 0 ? 'No team yet.' : undefined)}>
        {(page) => (
          <ul className="cards">
            {page.items.map((team) => (
              <TeamCard
                key={team.teamId}
                team={team}
                nameOf={nameOf}
                candidates={(members.data?.items ?? []).filter(
                  (m) => !team.members.some((t) => t.userId === m.userId),
                )}
                busy={action.busy}
                act={act}
              />
            ))}
          </ul>
        )}
      </Show>
    </>
  );
}

function TeamCard({
  team,
  nameOf,
  candidates,
  busy,
  act,
}: {
  team: Schemas['TeamView'];
  nameOf: ReadonlyMap<string, string>;
  candidates: readonly Schemas['MemberView'][];
  busy: boolean;
  act: (what: string, call: () => Promise<unknown>) => Promise<boolean>;
}) {
  const { org, can } = useOrg();
  const orgId = org.orgId;
  const teamId = team.teamId;
  const manages = can('teams.manage');
  const put = (userId: string, role: 'manager' | 'member', what: string) =>
    act(what, () =>
      unwrap(
        api.PUT('/v1/orgs/{orgId}/teams/{teamId}/members/{userId}', {
          params: { path: { orgId, teamId, userId } },
          body: { role },
        }),
      ),
    );
  return (
    <li>
      <h2>{team.name}</h2>
      {team.members.length === 0 ? (
        <p className="empty">No member yet.</p>
      ) : (
        <ul>
          {team.members.map(({ userId, role }) => {
            const name = nameOf.get(userId) ?? userId;
            return (
              <li key={userId} className="team-member">
                <Link href={`/members/${userId}`}>{name}</Link>
                {role === 'manager' && <span className="tag">Manager</span>}
                {manages && (
                  <span className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      disabled={busy}
                      onClick={() =>
                        put(
                          userId,
                          role === 'manager' ? 'member' : 'manager',
                          role === 'manager'
                            ? `${name} no longer manages ${team.name}.`
                            : `${name} now manages ${team.name}.`,
                        )
                      }
                    >
                      {role === 'manager' ? 'Make member' : 'Make manager'}
                      <span className="visually-hidden"> ({name})</span>
                    </button>
                    <button
                      type="button"
                      className="danger"
                      disabled={busy}
                      onClick={() =>
                        act(`${name} left ${team.name}.`, () =>
                          unwrap(
                            api.DELETE('/v1/orgs/{orgId}/teams/{teamId}/members/{userId}', {
                              params: { path: { orgId, teamId, userId } },
                            }),
                          ),
                        )
                      }
                    >
                      Remove
                      <span className="visually-hidden">
                        {' '}
                        {name} from {team.name}
                      </span>
                    </button>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {manages && candidates.length > 0 && (
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            const data = new FormData(event.currentTarget);
            const userId = String(data.get('userId'));
            const role = data.get('role') as 'manager' | 'member';
            void put(userId, role, `${nameOf.get(userId) ?? userId} added to ${team.name}.`);
          }}
        >
          <Choice label={`Add to ${team.name}`} name="userId">
            {candidates.map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name ?? m.userId}
              </option>
            ))}
          </Choice>
          <Choice label="As" name="role" defaultValue="member">
            <option value="member">Member</option>
            <option value="manager">Manager</option>
          </Choice>
          <button disabled={busy}>Add</button>
        </form>
      )}
    </li>
  );
}
