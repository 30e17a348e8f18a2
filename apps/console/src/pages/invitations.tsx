import { useEffect, useState } from 'react';
import { api, command, unwrap, type Schemas } from '../api/client';
import { useOrg } from '../org';
import { Alert, Notice, Show, useAction } from '../ui/async';
import { Dialog } from '../ui/dialog';
import { Choice } from '../ui/field';
import { InviteDialog } from './invite-dialog';
import { usePages } from './pages';
import { PermissionChoices } from './permission-choices';
import { RoleAndTeams } from './role-and-teams';
import { useAllTeams } from './teams-list';
import { rankOf, roleName } from './tags';
import { permissionsCatalog, type Permission } from './permissions';

type Status = 'pending' | 'accepted' | 'revoked' | 'expired';

/** Invitations: pending ones can be sent (or sent again), changed or revoked (R5-R7). */
export function Invitations() {
  const { org, can } = useOrg();
  const orgId = org.orgId;
  const [status, setStatus] = useState<Status>('pending');
  const [inviting, setInviting] = useState(false);
  const [editing, setEditing] = useState<Schemas['InvitationView']>();
  const [done, setDone] = useState<string>();
  const action = useAction();
  const teams = useAllTeams(orgId);
  const invitations = usePages<Schemas['InvitationView']>(
    (cursor) =>
      unwrap(
        api.GET('/v1/orgs/{orgId}/invitations', {
          params: { path: { orgId }, query: { limit: 25, status, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    `${orgId}:${status}`,
  );
  const teamName = new Map((teams.data ?? []).map((t) => [t.teamId, t.name]));
  const act = (what: string, call: () => Promise<{ lagging: boolean }>) =>
    action.run(async () => {
      const { lagging } = await call();
      setDone(lagging ? `${what} It may take a moment to show everywhere.` : what);
      invitations.reload();
      if (lagging) setTimeout(invitations.reload, 1_500);
    });
  return (
    <>
      <div className="title-row">
        <h1>Invitations</h1>
        {can('members.invite') && (
          <button type="button" onClick={() => setInviting(true)}>
            Invite users
          </button>
        )}
      </div>
      <Choice label="Show" value={status} onChange={(e) => setStatus(e.target.value as Status)}>
        <option value="pending">Pending</option>
        <option value="accepted">Accepted</option>
        <option value="revoked">Revoked</option>
        <option value="expired">Expired</option>
      </Choice>
      <Alert>{action.error}</Alert>
      <Notice>{done}</Notice>
      <Show
        loaded={invitations}
        empty={(items) => (items.length === 0 ? `No ${status} invitation.` : undefined)}
      >
        {(items) => (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{status} invitations</caption>
              <thead>
                <tr>
                  <th scope="col">Invitee</th>
                  <th scope="col">Role</th>
                  <th scope="col">Teams</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Expires</th>
                  {status === 'pending' && can('members.invite') && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {items.map((i) => {
                  const who = i.email ?? i.phone ?? '';
                  return (
                    <tr key={i.invitationId}>
                      <td>{who}</td>
                      <td>{roleName(i.role)}</td>
                      <td>{i.teamIds.map((t) => teamName.get(t) ?? t).join(', ')}</td>
                      <td>{i.sent ? 'Yes' : 'Not yet'}</td>
                      <td>{i.expiresAt ? new Date(i.expiresAt).toLocaleDateString() : 'When sent'}</td>
                      {status === 'pending' && can('members.invite') && (
                        <td className="row-actions">
                          <button
                            type="button"
                            className="secondary"
                            disabled={action.busy}
                            onClick={() =>
                              act(`Invitation ${i.sent ? 'sent again' : 'sent'} to ${who}.`, () =>
                                command(
                                  api.POST('/v1/orgs/{orgId}/invitations/{invitationId}/send', {
                                    params: { path: { orgId, invitationId: i.invitationId } },
                                  }),
                                ),
                              )
                            }
                          >
                            {i.sent ? 'Resend' : 'Send'}
                            <span className="visually-hidden"> to {who}</span>
                          </button>
                          {rankOf(i.role) <= rankOf(org.myRole) && (
                            <button type="button" className="secondary" onClick={() => setEditing(i)}>
                              Edit<span className="visually-hidden"> invitation of {who}</span>
                            </button>
                          )}
                          <button
                            type="button"
                            className="danger"
                            disabled={action.busy}
                            onClick={() =>
                              act(`Invitation of ${who} revoked.`, () =>
                                command(
                                  api.DELETE('/v1/orgs/{orgId}/invitations/{invitationId}', {
                                    params: { path: { orgId, invitationId: i.invitationId } },
                                  }),
                                ),
                              )
                            }
                          >
                            Revoke<span className="visually-hidden"> invitation of {who}</span>
                          </button>
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Show>
      {invitations.more && (
        <button type="button" className="secondary" disabled={invitations.loading} onClick={invitations.more}>
          Show more
        </button>
      )}
      <InviteDialog
        open={inviting}
        teams={teams.data ?? []}
        onClose={() => setInviting(false)}
        onInvited={invitations.reload}
      />
      {editing && (
        <EditInvitation
          invitation={editing}
          teams={teams.data ?? []}
          onClose={() => setEditing(undefined)}
          onSaved={(what) => {
            setEditing(undefined);
            setDone(what);
            invitations.reload();
          }}
        />
      )}
    </>
  );
}

function EditInvitation({
  invitation,
  teams,
  onClose,
  onSaved,
}: {
  invitation: Schemas['InvitationView'];
  teams: readonly Schemas['TeamView'][];
  onClose: () => void;
  onSaved: (what: string) => void;
}) {
  const { org } = useOrg();
  const [role, setRole] = useState(invitation.role);
  const [teamIds, setTeamIds] = useState(invitation.teamIds);
  const action = useAction();
  const [permissions, setPermissions] = useState<string[]>(invitation.permissions);
  const [catalog, setCatalog] = useState<Permission[]>();
  useEffect(() => {
    permissionsCatalog().then(setCatalog, () => setCatalog([]));
  }, []);
  const who = invitation.email ?? invitation.phone ?? '';
  // A new role keeps only the permissions it may hold (a User holds no Admin-only permission).
  const changeRole = (next: typeof role) => {
    setRole(next);
    setPermissions(
      permissions.filter((name) => {
        const permission = catalog?.find((p) => p.name === name);
        return !permission || rankOf(permission.minimumRole) <= rankOf(next);
      }),
    );
  };
  return (
    <Dialog open title={`Change the invitation of ${who}`} onClose={onClose}>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const ok = await action.run(() =>
            unwrap(
              api.PATCH('/v1/orgs/{orgId}/invitations/{invitationId}', {
                params: { path: { orgId: org.orgId, invitationId: invitation.invitationId } },
                body: { role, teamIds, permissions },
              }),
            ),
          );
          if (ok) onSaved(`Invitation of ${who} changed.`);
        }}
      >
        <RoleAndTeams
          role={role}
          onRole={changeRole}
          teams={teams}
          teamIds={teamIds}
          onTeamIds={setTeamIds}
        />
        <PermissionChoices role={role} chosen={permissions} onChange={setPermissions} />
        <Alert>{action.error}</Alert>
        <div className="actions">
          <button disabled={action.busy}>Save</button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
