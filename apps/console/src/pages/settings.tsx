import { useState } from 'react';
import { api, command, unwrap } from '../api/client';
import { useOrg } from '../org';
import { Alert, Notice, Show, useCommand, useLoad, type Loaded } from '../ui/async';
import { ConfirmDialog } from '../ui/dialog';
import { Check, Field } from '../ui/field';

/** Organization settings: name, auto-join domains (R16), the 2FA requirement (R22), child organizations (R19). */
export function Settings() {
  const { org, can, reload } = useOrg();
  const orgId = org.orgId;
  const editable = can('org.update');
  // R19: acting through the parent, this organization's own children are not one's to see, nor auto-join to turn on.
  const throughParent = org.actingVia !== undefined;
  const domains = useLoad(
    () => unwrap(api.GET('/v1/orgs/{orgId}/domains', { params: { path: { orgId } } })),
    orgId,
  );
  const children = useLoad(
    () =>
      throughParent
        ? Promise.resolve({ items: [] as { orgId: string }[] })
        : unwrap(api.GET('/v1/orgs/{orgId}/children', { params: { path: { orgId } } })),
    orgId,
  );
  // Everything on the page is read again after a change: the organization, its domains and its children.
  const {
    busy,
    error,
    done,
    command: act,
  } = useCommand(() => {
    reload();
    domains.reload();
    children.reload();
  });
  const update = (body: Record<string, unknown>, what: string) =>
    act(what, () => command(api.PATCH('/v1/orgs/{orgId}', { params: { path: { orgId } }, body })));
  return (
    <>
      <h1>Settings of {org.name}</h1>
      <Alert>{error}</Alert>
      <Notice>{done}</Notice>
      <section aria-labelledby="general">
        <h2 id="general">General</h2>
        <form
          className="inline"
          onSubmit={(event) => {
            event.preventDefault();
            const name = String(new FormData(event.currentTarget).get('name')).trim();
            void update({ name }, `Renamed to ${name}.`);
          }}
        >
          <Field label="Name" name="name" defaultValue={org.name} required disabled={!editable} />
          {editable && <button disabled={busy}>Rename</button>}
        </form>
        <Check
          label="Require two-factor sign-in for every member"
          hint="Members then act here only when signed in with a second factor (R22)."
          checked={org.settings.requireTwoFactor}
          disabled={!editable || busy}
          onChange={(e) =>
            update(
              { requireTwoFactor: e.target.checked },
              e.target.checked
                ? 'Two-factor sign-in is now required.'
                : 'Two-factor sign-in is no longer required.',
            )
          }
        />
        <Check
          label="Members may edit their own availability"
          checked={org.settings.membersMayEditOwnAvailability}
          disabled={!editable || busy}
          onChange={(e) =>
            update({ membersMayEditOwnAvailability: e.target.checked }, 'Availability setting saved.')
          }
        />
        <Check
          label="Auto-join: people who verify an address at a claimed domain join as Users"
          checked={org.settings.autoJoin}
          disabled={!editable || busy || (throughParent && !org.settings.autoJoin)}
          hint={
            throughParent && !org.settings.autoJoin
              ? 'Acting through the parent organization, you can turn it off but not on (R19).'
              : undefined
          }
          onChange={(e) =>
            update(
              { autoJoin: e.target.checked },
              e.target.checked ? 'Auto-join is on.' : 'Auto-join is off.',
            )
          }
        />
      </section>

      <section aria-labelledby="domains">
        <h2 id="domains">Auto-join domains</h2>
        <p className="hint">
          You can claim a domain where your own e-mail address is verified; public mail providers (gmail.com,
          outlook.com ...) cannot be claimed (R16).
        </p>
        <EditableList
          loaded={domains}
          names={(page) => page.items.map((item) => item.domain)}
          empty="No domain claimed."
          editable={editable}
          busy={busy}
          error={error}
          remove={{
            label: 'Release',
            explain: 'New members with an address at this domain no longer join by themselves (R16).',
            run: (domain) =>
              act(`${domain} released.`, () =>
                command(
                  api.DELETE('/v1/orgs/{orgId}/domains/{domain}', { params: { path: { orgId, domain } } }),
                ),
              ),
          }}
          add={{
            label: 'Domain',
            button: 'Claim',
            placeholder: 'acme.com',
            run: (domain) =>
              act(`${domain} claimed.`, () =>
                command(
                  api.POST('/v1/orgs/{orgId}/domains', { params: { path: { orgId } }, body: { domain } }),
                ),
              ),
          }}
        />
      </section>

      {!throughParent && (
        <section aria-labelledby="children">
          <h2 id="children">Child organizations</h2>
          <p className="hint">
            Members here who hold customers.manage act as Admins in each child organization, never as its
            Owner (R19).
          </p>
          <EditableList
            loaded={children}
            names={(page) => page.items.map((item) => item.orgId)}
            empty="No child organization."
            editable={org.myRole !== 'user'}
            busy={busy}
            error={error}
            remove={{
              label: 'Unlink',
              explain:
                'Members of this organization no longer act in that one through customers.manage (R19).',
              run: (childOrgId) =>
                act('Child organization unlinked.', () =>
                  command(
                    api.DELETE('/v1/orgs/{orgId}/children/{childOrgId}', {
                      params: { path: { orgId, childOrgId } },
                    }),
                  ),
                ),
            }}
            add={{
              label: 'Organization id to link as a child',
              button: 'Link',
              run: (childOrgId) =>
                act('Child organization linked.', () =>
                  command(
                    api.POST('/v1/orgs/{orgId}/children', {
                      params: { path: { orgId } },
                      body: { childOrgId },
                    }),
                  ),
                ),
            }}
          />
        </section>
      )}
    </>
  );
}

/** A list of names with a remove button each, and a form that adds one (domains, child organizations). */
function EditableList<T>({
  loaded,
  names,
  empty,
  editable,
  busy,
  error,
  remove,
  add,
}: {
  loaded: Loaded<T>;
  names: (data: T) => string[];
  empty: string;
  editable: boolean;
  busy: boolean;
  error: string | undefined;
  remove: { label: string; explain: string; run: (name: string) => Promise<boolean> };
  add: { label: string; button: string; placeholder?: string; run: (name: string) => Promise<boolean> };
}) {
  const [removing, setRemoving] = useState<string>();
  return (
    <>
      <Show loaded={loaded} empty={(data) => (names(data).length === 0 ? empty : undefined)}>
        {(data) => (
          <ul>
            {names(data).map((name) => (
              <li key={name}>
                <code>{name}</code>{' '}
                {editable && (
                  <button type="button" className="danger" disabled={busy} onClick={() => setRemoving(name)}>
                    {remove.label}
                    <span className="visually-hidden"> {name}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Show>
      {editable && (
        <form
          className="inline"
          onSubmit={async (event) => {
            event.preventDefault();
            const form = event.currentTarget;
            if (await add.run(String(new FormData(form).get('name')).trim())) form.reset();
          }}
        >
          <Field label={add.label} name="name" required placeholder={add.placeholder} />
          <button disabled={busy}>{add.button}</button>
        </form>
      )}
      <ConfirmDialog
        open={removing !== undefined}
        title={`${remove.label} ${removing ?? ''}?`}
        confirm={remove.label}
        busy={busy}
        error={error}
        onClose={() => setRemoving(undefined)}
        onConfirm={async () => {
          if (removing !== undefined && (await remove.run(removing))) setRemoving(undefined);
        }}
      >
        <p>{remove.explain}</p>
      </ConfirmDialog>
    </>
  );
}
