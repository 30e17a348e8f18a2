import { useState } from 'react';
import { Link, useSearchParams } from 'wouter';
import { api, unwrap, type Schemas } from '../api/client';
import { useOrg } from '../org';
import { Alert, Show, useAction, useLoad } from '../ui/async';
import { Choice, Field } from '../ui/field';
import { auditCsv } from './audit-csv';
import { usePages } from './pages';
import { roleName } from './tags';

/** The organization's history, oldest first as the API pages it, and who held which role at a chosen instant (R21). */
export function Audit() {
  const { org } = useOrg();
  const orgId = org.orgId;
  // In the address, so that a member's page links to their history and a filtered list can be shared.
  const [search, setSearch] = useSearchParams();
  const userId = search.get('userId') ?? undefined;
  const kind = KINDS.find(([types]) => types === search.get('type'))?.[0] ?? '';
  const from = search.get('from') ?? undefined;
  const to = search.get('to') ?? undefined;
  const filters: AuditFilters = {
    ...(userId ? { userId } : {}),
    ...(kind ? { type: kind } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
  const events = usePages<Schemas['AuditEventView']>(
    (cursor) => auditPage(orgId, filters, 50, cursor),
    `${orgId}|${userId ?? ''}|${kind}|${from ?? ''}|${to ?? ''}`,
  );
  // Named as a member is now; someone who has left is named by their id.
  const person = useLoad(
    () =>
      userId
        ? unwrap(api.GET('/v1/orgs/{orgId}/members/{userId}', { params: { path: { orgId, userId } } }))
        : Promise.resolve(undefined),
    `${orgId}|${userId ?? ''}`,
  );
  // Someone who has left, as the history names them.
  const namedInHistory = (events.data ?? []).find((e) => e.data.userId === userId)?.userName;
  return (
    <>
      <h1>Audit</h1>
      <RosterAt />
      <h2>History</h2>
      <p className="hint">Oldest first; the next page brings later events.</p>
      {userId && (
        <p>
          Changes about or by {person.data?.name ?? namedInHistory ?? userId}.{' '}
          <Link href="/audit">Show everyone’s</Link>
        </p>
      )}
      <Choice
        label="Kind of change"
        value={kind}
        onChange={(event) => {
          const next = new URLSearchParams(search);
          if (event.currentTarget.value) next.set('type', event.currentTarget.value);
          else next.delete('type');
          setSearch(next);
        }}
      >
        {KINDS.map(([types, label]) => (
          <option key={label} value={types}>
            {label}
          </option>
        ))}
      </Choice>
      <form
        className="inline"
        // Filled again from the address when it changes (a link, the browser's back button).
        key={`${from ?? ''}|${to ?? ''}`}
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const next = new URLSearchParams(search);
          // `to` is the end of the second it names: the API's bound is inclusive to the millisecond.
          for (const [name, endOfSecond] of [
            ['from', 0],
            ['to', 999],
          ] as const) {
            const local = String(form.get(name) ?? '');
            if (local) next.set(name, new Date(Date.parse(local) + endOfSecond).toISOString());
            else next.delete(name);
          }
          setSearch(next);
        }}
      >
        <Field label="From" name="from" type="datetime-local" step="1" defaultValue={localInput(from)} />
        <Field label="To" name="to" type="datetime-local" step="1" defaultValue={localInput(to)} />
        <button className="secondary">Show this span</button>
      </form>
      <DownloadCsv orgId={orgId} filters={filters} />
      <Show
        loaded={events}
        empty={(items) =>
          items.length === 0
            ? userId || kind || from || to
              ? 'No such changes.'
              : 'Nothing has happened yet.'
            : undefined
        }
      >
        {(items) => (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">History of {org.name}</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Who</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.eventId}>
                    <td>
                      <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>
                    </td>
                    <td>{words(e.type)}</td>
                    <td>
                      {e.actorName ?? e.actorId}
                      {e.actingVia ? ' (from the parent organization)' : ''}
                    </td>
                    <td className="details">
                      {e.userName ? `${e.userName}: ` : ''}
                      {details(e.data, e.userName !== undefined, e.names)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Show>
      {events.more && (
        <button type="button" className="secondary" disabled={events.loading} onClick={events.more}>
          Later events
        </button>
      )}
      <Alert>{events.moreError}</Alert>
    </>
  );
}

type AuditFilters = Readonly<{ userId?: string; type?: string; from?: string; to?: string }>;

const auditPage = (orgId: string, filters: AuditFilters, limit: number, cursor?: string) =>
  unwrap(
    api.GET('/v1/orgs/{orgId}/audit/events', {
      params: { path: { orgId }, query: { limit, ...filters, ...(cursor ? { cursor } : {}) } },
    }),
  );

/** Every event the filters select, page by page, saved as a CSV file (escaped as the audit CLI's CSV is). */
function DownloadCsv({ orgId, filters }: { orgId: string; filters: AuditFilters }) {
  const action = useAction();
  const [fetched, setFetched] = useState(0);
  return (
    <div className="inline">
      <button
        type="button"
        className="secondary"
        disabled={action.busy}
        onClick={() =>
          action.run(async () => {
            const events: Schemas['AuditEventView'][] = [];
            let cursor: string | undefined;
            setFetched(0);
            do {
              const page = await auditPage(orgId, filters, 200, cursor);
              events.push(...page.items);
              setFetched(events.length);
              cursor = page.nextCursor;
            } while (cursor);
            save(auditCsv(events), `audit-${orgId}-${new Date().toISOString().slice(0, 10)}.csv`);
          })
        }
      >
        Download CSV
      </button>
      {action.busy && <span role="status">{fetched} events so far…</span>}
      <Alert>{action.error}</Alert>
    </div>
  );
}

function save(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked once the browser has had time to start the download from it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** An instant as a `datetime-local` input shows it: the browser's own zone, to the second. */
function localInput(iso: string | undefined): string | undefined {
  if (!iso || Number.isNaN(Date.parse(iso))) return undefined;
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

function RosterAt() {
  const { org } = useOrg();
  const [roster, setRoster] = useState<Schemas['RosterView']>();
  const action = useAction();
  const more = useAction();
  // Every page answers the instant the first one did: the next is asked with the answer's `at`.
  const page = (at: string, cursor?: string) =>
    unwrap(
      api.GET('/v1/orgs/{orgId}/audit/roster', {
        params: { path: { orgId: org.orgId }, query: { at, limit: 200, ...(cursor ? { cursor } : {}) } },
      }),
    );
  return (
    <section aria-labelledby="roster-heading">
      <h2 id="roster-heading">Roster at a past instant</h2>
      <form
        className="inline"
        onSubmit={async (event) => {
          event.preventDefault();
          const local = String(new FormData(event.currentTarget).get('at'));
          more.clear();
          await action.run(async () => setRoster(await page(new Date(local).toISOString())));
        }}
      >
        <Field label="Date and time" name="at" type="datetime-local" step="1" required />
        <button disabled={action.busy}>Show roster</button>
      </form>
      <Alert>{action.error}</Alert>
      {roster && (
        <div className="table-wrap">
          <table aria-label={`Roster at ${new Date(roster.at).toLocaleString()}`}>
            <caption>Members at {new Date(roster.at).toLocaleString()}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Teams</th>
              </tr>
            </thead>
            <tbody>
              {roster.members.length === 0 ? (
                <tr>
                  <td colSpan={3}>Nobody was a member then.</td>
                </tr>
              ) : (
                roster.members.map((m) => (
                  <tr key={m.userId}>
                    <td>{m.name}</td>
                    <td>{roleName(m.role)}</td>
                    <td>
                      {m.teams.map((t) => `${t.name}${t.role === 'manager' ? ' (manager)' : ''}`).join(', ')}
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      )}
      {roster?.nextCursor && (
        <button
          type="button"
          className="secondary"
          disabled={more.busy}
          onClick={() =>
            more.run(async () => {
              const asked = roster;
              const next = await page(asked.at, asked.nextCursor);
              // Only onto the page it follows: another roster asked for meanwhile is left as it is.
              setRoster((shown) =>
                shown?.at === asked.at && shown.nextCursor === asked.nextCursor
                  ? { ...next, members: [...shown.members, ...next.members] }
                  : shown,
              );
            })
          }
        >
          More members
        </button>
      )}
      <Alert>{more.error}</Alert>
    </section>
  );
}

/** The history's event types by kind, as the API's `type` filter takes them. */
const KINDS: readonly (readonly [types: string, label: string])[] = [
  ['', 'Every change'],
  ['MemberJoined,InvitationAccepted,MemberLeft,MemberRemoved', 'Joining and leaving'],
  ['MemberRoleChanged,PermissionsGranted,PermissionsRevoked,OwnershipTransferred', 'Roles and permissions'],
  ['TeamCreated,TeamRenamed,TeamDeleted,TeamMemberAdded,TeamMemberRemoved', 'Teams'],
  [
    'InvitationCreated,InvitationChanged,InvitationSent,InvitationRevoked,InvitationExpired,InviteeErased',
    'Invitations',
  ],
];

/** `MemberRoleChanged` -> `Member role changed`. */
function words(type: string): string {
  const spaced = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** What the other columns do not say already: the organization, the actor, the time, and the member by name. */
const SHOWN_ELSEWHERE = new Set(['orgId', 'actorId', 'at']);

/** People by name where the API named them (`names`: both Owners of a transfer, a first Owner), else by id. */
function details(data: unknown, named: boolean, names: Readonly<Record<string, string>> = {}): string {
  if (!data || typeof data !== 'object') return '';
  return Object.entries(data as Record<string, unknown>)
    .filter(([key]) => !SHOWN_ELSEWHERE.has(key) && !(named && key === 'userId'))
    .filter(([, value]) => value !== undefined && value !== null && typeof value !== 'object')
    .map(
      ([key, value]) =>
        `${key}: ${Object.hasOwn(names, String(value)) ? names[String(value)] : String(value)}`,
    )
    .join(', ');
}
