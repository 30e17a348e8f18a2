import { useEffect, useState } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { api, command, unwrap } from '../api/client';
import { useOrg } from '../org';
import { useSession } from '../session';
import { Alert, Notice, Show, messageOf, useCommand, useLoad } from '../ui/async';
import { ConfirmDialog } from '../ui/dialog';
import { Check, Choice } from '../ui/field';
import { AvailabilityEditor, DAYS } from './availability';
import { grantability, heldByRole, permissionsCatalog, type Permission } from './permissions';
import { Tags, rankOf, roleName } from './tags';
import { useAllTeams } from './teams-list';

export function MemberPage() {
  const { userId } = useParams<{ userId: string }>();
  const { org, can, reload: reloadOrg } = useOrg();
  const me = useSession();
  const [, navigate] = useLocation();
  const orgId = org.orgId;
  const member = useLoad(
    () => unwrap(api.GET('/v1/orgs/{orgId}/members/{userId}', { params: { path: { orgId, userId } } })),
    `${orgId}:${userId}`,
  );
  const teams = useAllTeams(orgId);
  const [catalog, setCatalog] = useState<Permission[]>([]);
  const [catalogError, setCatalogError] = useState<string>();
  const [confirming, setConfirming] = useState<'remove' | 'transfer'>();
  const [role, setRole] = useState<string>();
  const { busy, error, done, command: run, clear } = useCommand(member.reload);
  const confirm = (what: 'remove' | 'transfer') => {
    clear();
    setConfirming(what);
  };
  useEffect(() => {
    permissionsCatalog().then(setCatalog, (e: unknown) => setCatalogError(messageOf(e)));
  }, []);
  const teamName = new Map((teams.data ?? []).map((t) => [t.teamId, t.name]));
  const change = (body: Record<string, unknown>, what: string) =>
    run(what, () =>
      command(api.PATCH('/v1/orgs/{orgId}/members/{userId}', { params: { path: { orgId, userId } }, body })),
    );
  const mine = new Set(org.myPermissions);

  return (
    <Show loaded={member}>
      {(m) => {
        const name = m.name ?? m.userId;
        const isMe = me?.userId === m.userId;
        // Nobody acts on a member above their own role, nor changes their own role or rights (R3, R8).
        const actsOn = !isMe && m.role !== 'owner' && rankOf(org.myRole) >= rankOf(m.role);
        const holds = new Set(m.permissions);
        const byRole = heldByRole(catalog, m.role);
        const memberTeams = m.teams.map((t) => teamName.get(t.teamId) ?? t.teamId);
        // Only Owners and Admins grant, and only what they hold themselves (docs/permissions.md, bounds).
        const grantable = catalog.filter((p) => !byRole.has(p.name) && mine.has(p.name));
        return (
          <>
            <p>
              <Link href="/users">← Users</Link>
            </p>
            <h1>
              {name} <Tags role={m.role} tags={m.tags} />
            </h1>
            <dl className="facts">
              <dt>E-mail</dt>
              <dd>{m.email ?? '—'}</dd>
              <dt>Role</dt>
              <dd>{roleName(m.role)}</dd>
              <dt>Member since</dt>
              <dd>{new Date(m.joinedAt).toLocaleDateString()}</dd>
              <dt>Teams</dt>
              <dd>
                {m.teams.length === 0
                  ? 'None'
                  : m.teams
                      .map(
                        (t) =>
                          `${teamName.get(t.teamId) ?? t.teamId}${t.role === 'manager' ? ' (manager)' : ''}`,
                      )
                      .join(', ')}
              </dd>
              <dt>Availability</dt>
              <dd>
                {!m.availability
                  ? 'Not set'
                  : !m.availability.available
                    ? 'Not available'
                    : m.availability.weekly.length === 0
                      ? 'Available'
                      : m.availability.weekly.map((s) => `${DAYS[s.day]} ${s.from}–${s.to}`).join(', ')}
              </dd>
            </dl>
            {can('audit.read') && (
              <p>
                <Link href={`/audit?userId=${encodeURIComponent(m.userId)}`}>History of {name}</Link>
              </p>
            )}
            <div aria-live="polite">
              <Alert>{error}</Alert>
              <Notice>{done}</Notice>
            </div>

            {actsOn && can('members.changeRole') && (
              <section aria-labelledby="role-heading">
                <h2 id="role-heading">Role</h2>
                <form
                  className="inline"
                  onSubmit={(event) => {
                    event.preventDefault();
                    const chosen = role ?? m.role;
                    if (chosen !== m.role)
                      void change({ role: chosen }, `${name} is now ${roleName(chosen)}.`);
                  }}
                >
                  <Choice
                    label={`Role of ${name}`}
                    value={role ?? m.role}
                    onChange={(e) => setRole(e.target.value)}
                  >
                    <option value="user">User</option>
                    <option value="admin">Admin</option>
                  </Choice>
                  <button disabled={busy || (role ?? m.role) === m.role}>Change role</button>
                </form>
              </section>
            )}

            {(org.myRole !== 'user' ||
              (isMe && (org.settings.membersMayEditOwnAvailability || can('availability.editOwn')))) && (
              <section aria-labelledby="availability-heading">
                <h2 id="availability-heading">Availability</h2>
                <AvailabilityEditor
                  key={JSON.stringify(m.availability ?? null)}
                  value={m.availability}
                  busy={busy}
                  onSave={(availability) => change({ availability }, 'Availability saved.')}
                />
              </section>
            )}

            {org.myRole !== 'user' && (
              <section aria-labelledby="schedulable-heading">
                <h2 id="schedulable-heading">Scheduling</h2>
                <Check
                  label="Schedulable (takes a billable seat, R15)"
                  checked={m.schedulable}
                  disabled={busy}
                  onChange={(e) =>
                    change(
                      { schedulable: e.target.checked },
                      e.target.checked ? `${name} is schedulable.` : `${name} is no longer schedulable.`,
                    )
                  }
                />
              </section>
            )}

            {actsOn && org.myRole !== 'user' && grantable.length > 0 && (
              <section aria-labelledby="permissions-heading">
                <h2 id="permissions-heading">Permissions</h2>
                <Alert>{catalogError}</Alert>
                <p className="hint">
                  {roleName(m.role)}s hold {[...byRole].join(', ') || 'no permission'} by role. You can grant
                  the permissions you hold yourself, one by one; each needs its prerequisites first (R20).
                </p>
                {grantable.map((p) => {
                  const granted = m.granted.includes(p.name);
                  const { grantable: possible, reason } = grantability(p, m.role, holds, org.plan);
                  return (
                    <Check
                      key={p.name}
                      label={p.name}
                      hint={!granted && reason ? `${p.gates}. ${reason}` : p.gates}
                      checked={granted}
                      disabled={busy || (!granted && !possible)}
                      onChange={(e) =>
                        change(
                          e.target.checked ? { grant: [p.name] } : { revoke: [p.name] },
                          e.target.checked ? `${p.name} granted.` : `${p.name} revoked.`,
                        )
                      }
                    />
                  );
                })}
              </section>
            )}

            <section aria-labelledby="actions-heading">
              <h2 id="actions-heading">Actions</h2>
              <div className="actions">
                {actsOn && can('members.changeRole') && (
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy}
                    onClick={() =>
                      // Always a 202: the link goes out by mail; nothing shows in the read models.
                      run(`${name} was sent a link to choose a new password.`, async () => {
                        await unwrap(
                          api.POST('/v1/orgs/{orgId}/members/{userId}/password-reset', {
                            params: { path: { orgId, userId } },
                          }),
                        );
                        return { lagging: false };
                      })
                    }
                  >
                    Send a password reset
                  </button>
                )}
                {org.myRole === 'owner' && !org.actingVia && !isMe && (
                  <button type="button" className="secondary" onClick={() => confirm('transfer')}>
                    Make {name} the Owner
                  </button>
                )}
                {actsOn && can('members.remove') && (
                  <button type="button" className="danger" onClick={() => confirm('remove')}>
                    Remove from {org.name}
                  </button>
                )}
              </div>
            </section>

            <ConfirmDialog
              open={confirming === 'remove'}
              title={`Remove ${name}?`}
              confirm={`Remove ${name}`}
              busy={busy}
              error={error}
              onClose={() => setConfirming(undefined)}
              onConfirm={async () => {
                const ok = await run(`${name} removed.`, () =>
                  command(
                    api.DELETE('/v1/orgs/{orgId}/members/{userId}', { params: { path: { orgId, userId } } }),
                  ),
                );
                if (ok) navigate('/users');
              }}
            >
              <p>
                {name} loses access to {org.name}.{' '}
                {memberTeams.length > 0
                  ? `They are also taken off ${memberTeams.length === 1 ? 'the team' : 'the teams'} ${memberTeams.join(', ')}; a team left with nobody in it is deleted (R8).`
                  : 'They are in no team.'}
              </p>
            </ConfirmDialog>

            <ConfirmDialog
              open={confirming === 'transfer'}
              title={`Make ${name} the Owner?`}
              confirm="Transfer ownership"
              busy={busy}
              error={error}
              onClose={() => setConfirming(undefined)}
              onConfirm={async () => {
                const ok = await run(`${name} is now the Owner of ${org.name}.`, async () => {
                  const result = await command(
                    api.POST('/v1/orgs/{orgId}/ownership-transfer', {
                      params: { path: { orgId } },
                      body: { newOwnerId: userId },
                    }),
                  );
                  reloadOrg();
                  if (result.lagging) setTimeout(reloadOrg, 1_500);
                  return result;
                });
                if (ok) setConfirming(undefined);
              }}
            >
              <p>
                An organization has exactly one Owner. {name} becomes the Owner of {org.name}, and you become
                an Admin (R2); both keep your team roles. Only the new Owner can give ownership back.
              </p>
            </ConfirmDialog>
          </>
        );
      }}
    </Show>
  );
}
