import { Link, useLocation } from 'wouter';
import { api, unwrap } from '../api/client';
import { Alert, Show, useAction, useLoad } from '../ui/async';
import { Field } from '../ui/field';
import { Tags } from './tags';

export function Organizations() {
  const mine = useLoad(() => unwrap(api.GET('/v1/me/organizations', {})), 'mine');
  const create = useAction();
  const [, navigate] = useLocation();
  return (
    <>
      <h1>Your organizations</h1>
      <Show
        loaded={mine}
        empty={(page) =>
          page.items.length === 0 ? 'You are not a member of any organization yet.' : undefined
        }
      >
        {(page) => (
          <ul className="cards">
            {page.items.map((org) => (
              <li key={org.orgId}>
                <Link href={`/orgs/${org.orgId}/users`}>{org.name}</Link>{' '}
                <Tags role={org.role} tags={org.tags} />
              </li>
            ))}
          </ul>
        )}
      </Show>
      <h2>Create an organization</h2>
      <form
        className="inline"
        onSubmit={async (event) => {
          event.preventDefault();
          const name = String(new FormData(event.currentTarget).get('name'));
          await create.run(async () => {
            const org = await unwrap(api.POST('/v1/orgs', { body: { name } }));
            if ('orgId' in org) navigate(`/orgs/${org.orgId}/users`);
            else mine.reload();
          });
        }}
      >
        <Field label="Name" name="name" required />
        <button disabled={create.busy}>Create</button>
      </form>
      <Alert>{create.error}</Alert>
    </>
  );
}
