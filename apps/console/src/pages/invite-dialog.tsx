import { useEffect, useState } from 'react';
import { api, unwrap, type Schemas } from '../api/client';
import { useOrg } from '../org';
import { Alert, Notice, useAction } from '../ui/async';
import { Dialog } from '../ui/dialog';
import { Check, Field, RadioGroup } from '../ui/field';
import { PermissionChoices } from './permission-choices';
import { RoleAndTeams, type InvitedRole } from './role-and-teams';

/** "Invite users": one person by e-mail or phone, or many from a CSV file (R5, R6, R20). */
export function InviteDialog({
  open,
  teams,
  onClose,
  onInvited,
}: {
  open: boolean;
  teams: readonly Schemas['TeamView'][];
  onClose: () => void;
  onInvited: () => void;
}) {
  const { org } = useOrg();
  const [mode, setMode] = useState<'one' | 'csv'>('one');
  const [channel, setChannel] = useState<'email' | 'phone'>('email');
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [role, setRole] = useState<InvitedRole>('user');
  const [teamIds, setTeamIds] = useState<string[]>([]);
  const [permissions, setPermissions] = useState<string[]>([]);
  const [invited, setInvited] = useState<string>();
  const [results, setResults] = useState<Schemas['ImportRowResult'][]>();
  const action = useAction();

  useEffect(() => {
    if (!open) return;
    setInvited(undefined);
    setResults(undefined);
    action.clear();
  }, [open]);

  return (
    <Dialog open={open} title="Invite users" onClose={onClose}>
      <RadioGroup
        legend="How"
        name="mode"
        value={mode}
        options={[
          ['one', 'One person'],
          ['csv', 'Import a CSV file'],
        ]}
        onChange={setMode}
      />
      {mode === 'one' ? (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const data = new FormData(form);
            const address = String(data.get('address') ?? '').trim();
            const send = when === 'now';
            const ok = await action.run(() =>
              unwrap(
                api.POST('/v1/orgs/{orgId}/invitations', {
                  params: { path: { orgId: org.orgId } },
                  body: { [channel]: address, role, teamIds, permissions, send },
                }),
              ),
            );
            if (ok) {
              setInvited(
                send ? `Invitation sent to ${address}.` : `Invitation to ${address} saved; send it later.`,
              );
              form.reset();
              setTeamIds([]);
              setPermissions([]);
              setWhen('now');
              onInvited();
            }
          }}
        >
          <RadioGroup
            legend="Invite by"
            name="channel"
            value={channel}
            options={[
              ['email', 'E-mail'],
              ['phone', 'Phone (SMS)'],
            ]}
            onChange={setChannel}
          />
          {channel === 'email' ? (
            <Field
              key="email"
              label="E-mail address"
              name="address"
              type="email"
              required
              autoComplete="off"
            />
          ) : (
            <Field
              key="phone"
              label="Phone number"
              name="address"
              type="tel"
              required
              hint="International format, e.g. +14155550100"
            />
          )}
          <RoleAndTeams
            role={role}
            onRole={(next) => {
              setRole(next);
              setPermissions([]);
            }}
            teams={teams}
            teamIds={teamIds}
            onTeamIds={setTeamIds}
          />
          <PermissionChoices role={role} chosen={permissions} onChange={setPermissions} />
          <RadioGroup
            legend="When"
            name="when"
            value={when}
            options={[
              ['now', 'Send now'],
              ['later', 'Send later'],
            ]}
            onChange={setWhen}
          />
          <Alert>{action.error}</Alert>
          <Notice>{invited}</Notice>
          <div className="actions">
            <button disabled={action.busy}>Invite</button>
            <button type="button" className="secondary" onClick={onClose}>
              Done
            </button>
          </div>
        </form>
      ) : (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            const data = new FormData(event.currentTarget);
            const file = data.get('file') as File | null;
            const send = data.get('send') === 'on';
            await action.run(async () => {
              const csv = file ? await file.text() : '';
              const answer = await unwrap(
                api.POST('/v1/orgs/{orgId}/invitations/import', {
                  params: { path: { orgId: org.orgId }, query: send ? {} : { send: 'false' } },
                  body: csv as never,
                  bodySerializer: (body: unknown) => body as string,
                  headers: { 'content-type': 'text/csv' },
                }),
              );
              setResults(answer.results);
              onInvited();
            });
          }}
        >
          <Field
            label="CSV file"
            name="file"
            type="file"
            accept=".csv,text/csv"
            required
            hint="A header row, then one person per row: email, phone, role (admin or user), teamIds (separated by ;)."
          />
          <Check label="Send the invitations now" name="send" defaultChecked />
          <Alert>{action.error}</Alert>
          {results && <ImportResults results={results} />}
          <div className="actions">
            <button disabled={action.busy}>Import</button>
            <button type="button" className="secondary" onClick={onClose}>
              Done
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

function ImportResults({ results }: { results: readonly Schemas['ImportRowResult'][] }) {
  const words: Record<string, string> = {
    invited: 'Invited',
    unchanged: 'Already invited',
    refused: 'Refused',
  };
  return (
    <table className="results">
      <caption>Result per line of the file</caption>
      <thead>
        <tr>
          <th scope="col">Line</th>
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {results.map((r) => (
          <tr key={r.row}>
            <td>{r.line ?? r.row + 2}</td>
            <td>
              {words[r.status] ?? r.status}
              {r.error ? `: ${r.error.field ? `${r.error.field}: ` : ''}${r.error.message}` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
