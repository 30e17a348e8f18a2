import { useEffect, useState } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { api, unwrap } from '../api/client';
import { useOrg } from '../org';
import { useSession } from '../session';
import { Alert, Notice, Show, messageOf, useAction, useLoad } from '../ui/async';
import { Dialog } from '../ui/dialog';
import { Check, Choice } from '../ui/field';
import { grantability, heldByRole, permissionsCatalog, type Permission } from './permissions';
import { Tags, roleName } from './tags';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

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
  const teams = useLoad(
    () => unwrap(api.GET('/v1/orgs/{orgId}/teams', { params: { path: { orgId } } })),
    orgId,
  );
  const [catalog, setCatalog] = useState<Permission[]>([]);
  const [catalogError, setCatalogError] = useState<string>();
  const [confirming, setConfirming] = useState<'remove' | 'transfer'>();
  const [done, setDone] = useState<string>();
  const action = useAction();
  useEffect(() => {
    permissionsCatalog().then(setCatalog, (e: unknown) => setCatalogError(messageOf(e)));
  }, []);
  const teamName = new Map((teams.data?.items ?? []).map((t) => [t.teamId, t.name]));
  const change = (body: Record<string, unknown>, what: string) =>
    action.run(async () => {
      await unwrap(
        api.PATCH('/v1/orgs/{orgId}/members/{userId}', { params: { path: { orgId, userId } }, body }),
      );
      setDone(what);
      member.reload();
    });

  return (
    <Show loaded={member}>
      {(m) => {
        const name = m.name ?? m.userId;
        const isMe = me?.userId === m.userId;
        const holds = new Set(m.permissions);
        const byRole = heldByRole(catalog, m.role);
        const memberTeams = m.teams.map((t) => teamName.get(t.teamId) ?? t.teamId);
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
            <Alert>{action.error}</Alert>
            {done && <Notice>{done}</Notice>}

            {m.role !== 'owner' && can('members.changeRole') && !isMe && (
              <section aria-labelledby="role-heading">
                <h2 id="role-heading">Role</h2>
                <Choice
                  label={`Role of ${name}`}
                  value={m.role}
                  disabled={action.busy}
                  onChange={(e) =>
                    change({ role: e.target.value }, `${name} is now ${roleName(e.target.value)}.`)
                  }
                >
                  <option value="user">User</option>
                  <option value="admin">Admin</option>
                </Choice>
              </section>
            )}

            {m.role !== 'owner' && (can('members.changeRole') || can('org.update')) && (
              <section aria-labelledby="schedulable-heading">
                <h2 id="schedulable-heading">Scheduling</h2>
                <Check
                  label="Schedulable (takes a billable seat)"
                  checked={m.schedulable}
                  disabled={action.busy}
                  onChange={(e) =>
                    change(
                      { schedulable: e.target.checked },
                      e.target.checked ? `${name} is schedulable.` : `${name} is no longer schedulable.`,
                    )
                  }
                />
              </section>
            )}

            {m.role !== 'owner' && !isMe && (can('members.changeRole') || org.myRole === 'owner') && (
              <section aria-labelledby="permissions-heading">
                <h2 id="permissions-heading">Permissions</h2>
                <Alert>{catalogError}</Alert>
                <p className="hint">
                  {roleName(m.role)}s hold {[...byRole].join(', ') || 'no permission'} by role. Extra
                  permissions are granted one by one; each needs its prerequisites first.
                </p>
                {catalog
                  .filter((p) => !byRole.has(p.name))
                  .map((p) => {
                    const granted = m.granted.includes(p.name);
                    const { grantable, reason } = grantability(p, m.role, holds);
                    return (
                      <Check
                        key={p.name}
                        label={p.name}
                        hint={!granted && reason ? `${p.gates}. ${reason}` : p.gates}
                        checked={granted}
                        disabled={action.busy || (!granted && !grantable)}
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
                {can('members.changeRole') && m.role !== 'owner' && !isMe && (
                  <button
                    type="button"
                    className="secondary"
                    disabled={action.busy}
                    onClick={() =>
                      action.run(async () => {
                        await unwrap(
                          api.POST('/v1/orgs/{orgId}/members/{userId}/password-reset', {
                            params: { path: { orgId, userId } },
                          }),
                        );
                        setDone(`${name} was sent a link to choose a new password.`);
                      })
                    }
                  >
                    Send a password reset
                  </button>
                )}
                {org.myRole === 'owner' && m.role !== 'owner' && (
                  <button type="button" className="secondary" onClick={() => setConfirming('transfer')}>
                    Make {name} the Owner
                  </button>
                )}
                {can('members.remove') && m.role !== 'owner' && !isMe && (
                  <button type="button" className="danger" onClick={() => setConfirming('remove')}>
                    Remove from {org.name}
                  </button>
                )}
              </div>
            </section>

            <Dialog
              open={confirming === 'remove'}
              title={`Remove ${name}?`}
              onClose={() => setConfirming(undefined)}
            >
              <p>
                {name} loses access to {org.name}.{' '}
                {memberTeams.length > 0
                  ? `They are also taken off ${memberTeams.length === 1 ? 'the team' : 'the teams'} ${memberTeams.join(', ')}; a team left with nobody in it is deleted.`
                  : 'They are in no team.'}
              </p>
              <Alert>{action.error}</Alert>
              <div className="actions">
                <button
                  type="button"
                  className="danger"
                  disabled={action.busy}
                  onClick={async () => {
                    const ok = await action.run(() =>
                      unwrap(
                        api.DELETE('/v1/orgs/{orgId}/members/{userId}', {
                          params: { path: { orgId, userId } },
                        }),
                      ),
                    );
                    if (ok) navigate('/users');
                  }}
                >
                  Remove {name}
                </button>
                <button type="button" className="secondary" onClick={() => setConfirming(undefined)}>
                  Cancel
                </button>
              </div>
            </Dialog>

            <Dialog
              open={confirming === 'transfer'}
              title={`Make ${name} the Owner?`}
              onClose={() => setConfirming(undefined)}
            >
              <p>
                An organization has exactly one Owner. {name} becomes the Owner of {org.name}, and you become
                an Admin (R2); both keep your team roles. Only the new Owner can give ownership back.
              </p>
              <Alert>{action.error}</Alert>
              <div className="actions">
                <button
                  type="button"
                  className="danger"
                  disabled={action.busy}
                  onClick={async () => {
                    const ok = await action.run(() =>
                      unwrap(
                        api.POST('/v1/orgs/{orgId}/ownership-transfer', {
                          params: { path: { orgId } },
                          body: { newOwnerId: userId },
                        }),
                      ),
                    );
                    if (ok) {
                      setConfirming(undefined);
                      setDone(`${name} is now the Owner of ${org.name}.`);
                      member.reload();
                      reloadOrg();
                    }
                  }}
                >
                  Transfer ownership
                </button>
                <button type="button" className="secondary" onClick={() => setConfirming(undefined)}>
                  Cancel
                </button>
              </div>
            </Dialog>
          </>
        );
      }}
    </Show>
  );
}
