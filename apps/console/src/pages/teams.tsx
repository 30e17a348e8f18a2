import { useState } from 'react';
import { Link } from 'wouter';
import { api, command, unwrap, type Schemas } from '../api/client';
import { useOrg } from '../org';
import { useSession } from '../session';
import { Alert, Notice, Show, useCommand, useLoad } from '../ui/async';
import { ConfirmDialog } from '../ui/dialog';
import { Choice, Field } from '../ui/field';
import { useAllTeams } from './teams-list';

type Run = (what: string, call: () => Promise<{ lagging: boolean }>) => Promise<boolean>;

/**
 * Teams with their managers and members (R11, R12): holders of teams.create create them; holders of teams.manage
 * rename, staff and delete any team; a team's managers rename and staff it.
 */
export function Teams() {
  const { org, can } = useOrg();
  const orgId = org.orgId;
  const teams = useAllTeams(orgId);
  const members = useLoad(
    () => unwrap(api.GET('/v1/orgs/{orgId}/members', { params: { path: { orgId }, query: { limit: 200 } } })),
    orgId,
  );
  const { busy, error, done, command: run } = useCommand(teams.reload);
  const nameOf = new Map((members.data?.items ?? []).map((m) => [m.userId, m.name ?? m.userId]));
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
            const ok = await run(`Team ${name} created.`, () =>
              command(api.POST('/v1/orgs/{orgId}/teams', { params: { path: { orgId } }, body: { name } })),
            );
            if (ok) form.reset();
          }}
        >
          <Field label="New team" name="name" required />
          <button disabled={busy}>Create team</button>
        </form>
      )}
      <div aria-live="polite">
        <Alert>{error}</Alert>
        <Notice>{done}</Notice>
      </div>
      <Show loaded={teams} empty={(items) => (items.length === 0 ? 'No team yet.' : undefined)}>
        {(items) => (
          <ul className="cards">
            {items.map((team) => (
              <TeamCard
                key={team.teamId}
                team={team}
                nameOf={nameOf}
                candidates={members.data?.items ?? []}
                searchable={Boolean(members.data?.nextCursor)}
                busy={busy}
                error={error}
                run={run}
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
  searchable,
  busy,
  error,
  run,
}: {
  team: Schemas['TeamView'];
  nameOf: ReadonlyMap<string, string>;
  candidates: readonly Schemas['MemberView'][];
  /** More members than the first page: the ones to add are found by name or e-mail. */
  searchable: boolean;
  busy: boolean;
  error: string | undefined;
  run: Run;
}) {
  const { org, can } = useOrg();
  const me = useSession();
  const orgId = org.orgId;
  const teamId = team.teamId;
  const managesAll = can('teams.manage');
  const [deleting, setDeleting] = useState(false);
  const [found, setFound] = useState<Schemas['MemberView'][]>();
  const offered = (found ?? candidates).filter((m) => !team.members.some((t) => t.userId === m.userId));
  const staffs = managesAll || team.members.some((m) => m.userId === me?.userId && m.role === 'manager');
  const put = (userId: string, role: 'manager' | 'member', what: string) =>
    run(what, () =>
      command(
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
                {staffs && (
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
                        run(`${name} left ${team.name}.`, () =>
                          command(
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
      {staffs && searchable && (
        <form
          className="inline"
          role="search"
          onSubmit={async (event) => {
            event.preventDefault();
            const q = String(new FormData(event.currentTarget).get('q')).trim();
            const page = await unwrap(
              api.GET('/v1/orgs/{orgId}/members', { params: { path: { orgId }, query: { q, limit: 50 } } }),
            ).catch(() => undefined);
            setFound(page?.items ?? []);
          }}
        >
          <Field label={`Find a member to add to ${team.name}`} name="q" type="search" required />
          <button className="secondary">Find</button>
        </form>
      )}
      {staffs && found?.length === 0 && <p className="empty">Nobody found.</p>}
      {staffs && offered.length > 0 && (
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            const data = new FormData(event.currentTarget);
            const userId = String(data.get('userId'));
            const role = data.get('role') as 'manager' | 'member';
            const name = offered.find((m) => m.userId === userId)?.name ?? nameOf.get(userId) ?? userId;
            void put(userId, role, `${name} added to ${team.name}.`);
          }}
        >
          <Choice label={`Add to ${team.name}`} name="userId">
            {offered.map((m) => (
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
      {staffs && (
        <details>
          <summary>Rename{managesAll ? ' or delete' : ''}</summary>
          <form
            className="inline"
            onSubmit={(event) => {
              event.preventDefault();
              const name = String(new FormData(event.currentTarget).get('name')).trim();
              void run(`Team renamed to ${name}.`, () =>
                command(
                  api.PATCH('/v1/orgs/{orgId}/teams/{teamId}', {
                    params: { path: { orgId, teamId } },
                    body: { name },
                  }),
                ),
              );
            }}
          >
            <Field label={`New name for ${team.name}`} name="name" defaultValue={team.name} required />
            <button disabled={busy}>Rename</button>
          </form>
          {managesAll && (
            <button type="button" className="danger" disabled={busy} onClick={() => setDeleting(true)}>
              Delete {team.name}
            </button>
          )}
        </details>
      )}
      <ConfirmDialog
        open={deleting}
        title={`Delete ${team.name}?`}
        confirm={`Delete ${team.name}`}
        busy={busy}
        error={error}
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          const ok = await run(`Team ${team.name} deleted.`, () =>
            command(api.DELETE('/v1/orgs/{orgId}/teams/{teamId}', { params: { path: { orgId, teamId } } })),
          );
          if (ok) setDeleting(false);
        }}
      >
        <p>Its {team.members.length} member(s) stay in the organization; only the team goes.</p>
      </ConfirmDialog>
    </li>
  );
}
