import { type ReactNode } from 'react';
import { Link, Redirect, Route, Router, Switch, useLocation, useParams } from 'wouter';
import { api, unwrap } from './api/client';
import { session, useSession } from './session';
import { useLoad, Show } from './ui/async';
import { ForgotPassword, LogIn, ResetPassword, SignUp, VerifyEmail } from './pages/auth';
import { AcceptInvitation } from './pages/accept-invitation';
import { Organizations } from './pages/organizations';
import { Users } from './pages/users';
import { MemberPage } from './pages/member';
import { Invitations } from './pages/invitations';
import { Teams } from './pages/teams';
import { Settings } from './pages/settings';
import { Audit } from './pages/audit';
import { OrgContext, useOrg } from './org';

export function App() {
  return (
    <Router base="/console">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Switch>
        <Route path="/signup" component={SignUp} />
        <Route path="/verify-email" component={VerifyEmail} />
        <Route path="/login" component={LogIn} />
        <Route path="/forgot-password" component={ForgotPassword} />
        <Route path="/reset-password" component={ResetPassword} />
        <Route path="/invitations/:token" component={AcceptInvitation} />
        <Route path="/orgs/:orgId" nest>
          <SignedIn>
            <Organization />
          </SignedIn>
        </Route>
        <Route path="/">
          <SignedIn>
            <Shell>
              <Organizations />
            </Shell>
          </SignedIn>
        </Route>
        <Route>
          <main className="narrow" id="main">
            <h1>Page not found</h1>
            <Link href="/">Your organizations</Link>
          </main>
        </Route>
      </Switch>
    </Router>
  );
}

function SignedIn({ children }: { children: ReactNode }) {
  return useSession() ? <>{children}</> : <Redirect to="~/console/login" replace />;
}

function Shell({ nav, children }: { nav?: ReactNode; children: ReactNode }) {
  const [, navigate] = useLocation();
  return (
    <>
      <header className="top">
        <Link href="~/console/" className="brand">
          Members console
        </Link>
        {nav}
        <button
          type="button"
          className="link"
          onClick={async () => {
            const signedIn = session.current();
            if (signedIn)
              await api.POST('/v1/auth/logout', { body: { refreshToken: signedIn.refreshToken } });
            session.set(undefined);
            navigate('~/console/login');
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main">{children}</main>
    </>
  );
}

const SECTIONS = [
  ['users', 'Users'],
  ['invitations', 'Invitations'],
  ['teams', 'Teams'],
  ['settings', 'Settings'],
  ['audit', 'Audit'],
] as const;

function Organization() {
  const { orgId } = useParams<{ orgId: string }>();
  const [location, navigate] = useLocation();
  const org = useLoad(() => unwrap(api.GET('/v1/orgs/{orgId}', { params: { path: { orgId } } })), orgId);
  const mine = useLoad(() => unwrap(api.GET('/v1/me/organizations', {})), 'mine');
  const section = location.split('/')[1] || 'users';
  const nav = (
    <nav aria-label="Organization">
      <label className="switcher">
        <span className="visually-hidden">Organization</span>
        <select
          value={orgId}
          onChange={(event) => navigate(`~/console/orgs/${event.target.value}/${section}`)}
        >
          {(mine.data?.items ?? []).map((o) => (
            <option key={o.orgId} value={o.orgId}>
              {o.name}
            </option>
          ))}
          {!mine.data && <option value={orgId}>{org.data?.name ?? 'Organization'}</option>}
        </select>
      </label>
      <ul>
        {SECTIONS.map(([path, label]) => (
          <li key={path}>
            <Link href={`/${path}`} aria-current={section === path ? 'page' : undefined}>
              {label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
  return (
    <Shell nav={nav}>
      <Show loaded={org}>
        {(organization) => (
          <OrgContext.Provider value={{ org: organization, reload: org.reload }}>
            <Switch>
              <Route path="/users" component={Users} />
              <Route path="/members/:userId" component={MemberPage} />
              <Route path="/invitations" component={Invitations} />
              <Route path="/teams" component={Teams} />
              <Route path="/settings" component={Settings} />
              <Route path="/audit" component={Audit} />
              <Route>
                <Redirect to="/users" replace />
              </Route>
            </Switch>
          </OrgContext.Provider>
        )}
      </Show>
    </Shell>
  );
}

export { useOrg };
