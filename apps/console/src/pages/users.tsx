import { useState } from 'react';
import { Link } from 'wouter';
import { api, unwrap, type Schemas } from '../api/client';
import { useOrg } from '../org';
import { Alert, Show, useLoad } from '../ui/async';
import { Choice, Field } from '../ui/field';
import { InviteDialog } from './invite-dialog';
import { Tags } from './tags';
import { usePages } from './pages';
import { useAllTeams } from './teams-list';

interface Filters {
  role: '' | 'owner' | 'admin' | 'user';
  schedulable: '' | 'true' | 'false';
  teamId: string;
  q: string;
}

const NO_FILTER: Filters = { role: '', schedulable: '', teamId: '', q: '' };

export function Users() {
  const { org, can } = useOrg();
  const orgId = org.orgId;
  const [filters, setFilters] = useState<Filters>(NO_FILTER);
  const [inviting, setInviting] = useState(false);
  const teams = useAllTeams(orgId);
  const seats = useLoad(
    () => unwrap(api.GET('/v1/orgs/{orgId}/seats', { params: { path: { orgId } } })),
    orgId,
  );
  const members = usePages<Schemas['MemberView']>(
    (cursor) =>
      unwrap(
        api.GET('/v1/orgs/{orgId}/members', {
          params: {
            path: { orgId },
            query: {
              limit: 25,
              ...(cursor ? { cursor } : {}),
              ...(filters.role ? { role: filters.role } : {}),
              ...(filters.schedulable ? { schedulable: filters.schedulable === 'true' } : {}),
              ...(filters.teamId ? { teamId: filters.teamId } : {}),
              ...(filters.q ? { q: filters.q } : {}),
            },
          },
        }),
      ),
    `${orgId}:${JSON.stringify(filters)}`,
  );
  const teamName = new Map((teams.data ?? []).map((t) => [t.teamId, t.name]));
  return (
    <>
      <div className="title-row">
        <h1>Users</h1>
        {can('members.invite') && (
          <button type="button" onClick={() => setInviting(true)}>
            Invite users
          </button>
        )}
      </div>
      <p className="meta">
        {seats.data
          ? `${seats.data.seats} seat${seats.data.seats === 1 ? '' : 's'} in use (schedulable members)`
          : ''}
        {org.myRole === 'user' && !can('members.read')
          ? ' · You see yourself, your teams and the members of your teams.'
          : ''}
      </p>
      <form
        className="filters"
        role="search"
        aria-label="Filter users"
        onSubmit={(event) => {
          event.preventDefault();
          const data = new FormData(event.currentTarget);
          setFilters({ ...filters, q: String(data.get('q') ?? '').trim() });
        }}
      >
        <Choice
          label="Role"
          value={filters.role}
          onChange={(e) => setFilters({ ...filters, role: e.target.value as Filters['role'] })}
        >
          <option value="">Any role</option>
          <option value="owner">Owner</option>
          <option value="admin">Admin</option>
          <option value="user">User</option>
        </Choice>
        <Choice
          label="Schedulable"
          value={filters.schedulable}
          onChange={(e) => setFilters({ ...filters, schedulable: e.target.value as Filters['schedulable'] })}
        >
          <option value="">Anyone</option>
          <option value="true">Schedulable</option>
          <option value="false">Not schedulable</option>
        </Choice>
        <Choice
          label="Team"
          value={filters.teamId}
          onChange={(e) => setFilters({ ...filters, teamId: e.target.value })}
        >
          <option value="">Any team</option>
          {(teams.data ?? []).map((t) => (
            <option key={t.teamId} value={t.teamId}>
              {t.name}
            </option>
          ))}
        </Choice>
        <Field label="Name or e-mail" name="q" type="search" defaultValue={filters.q} />
        <button>Search</button>
      </form>
      <Show
        loaded={members}
        empty={(items) => (items.length === 0 ? 'No user matches these filters.' : undefined)}
      >
        {(items) => (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Members of {org.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">E-mail</th>
                  <th scope="col">Tags</th>
                  <th scope="col">Teams</th>
                </tr>
              </thead>
              <tbody>
                {items.map((m) => (
                  <tr key={m.userId}>
                    <td>
                      <Link href={`/members/${m.userId}`}>{m.name ?? m.userId}</Link>
                    </td>
                    <td>{m.email ?? ''}</td>
                    <td>
                      <Tags role={m.role} tags={m.tags} />
                    </td>
                    <td>{m.teams.map((t) => teamName.get(t.teamId) ?? t.teamId).join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Show>
      {members.more && (
        <button type="button" className="secondary" disabled={members.loading} onClick={members.more}>
          Show more
        </button>
      )}
      <Alert>{members.moreError}</Alert>
      <InviteDialog
        open={inviting}
        teams={teams.data ?? []}
        onClose={() => setInviting(false)}
        onInvited={() => undefined}
      />
    </>
  );
}
