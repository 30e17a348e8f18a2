import { useState, type ReactNode } from 'react';
import { Link, Redirect, Route, Router, Switch, useLocation, useParams } from 'wouter';
import { api, unwrap } from './api/client';
import { useSession } from './session';
import { signOut } from './sign-out';
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
import { Account } from './pages/account';
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
        <Route path="/invitations" component={AcceptInvitation} />
        <Route path="/orgs/:orgId" nest>
          <SignedIn>
            <Organization />
          </SignedIn>
        </Route>
        <Route path="/account">
          <SignedIn>
            <Shell>
              <Account />
            </Shell>
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
        <Link href="~/console/account">Your account</Link>
        <SignOut onSignedOut={() => navigate('~/console/login')} />
      </header>
      <main id="main">{children}</main>
    </>
  );
}

/** Signing out: the tab stays signed in, and says why, until the server ended the session (sign-out.ts). */
function SignOut({ onSignedOut }: { onSignedOut: () => void }) {
  const [failure, setFailure] = useState<string>();
  const end = async () => {
    if (await signOut()) onSignedOut();
    else setFailure('You are still signed in: the server did not confirm the sign-out. Try again.');
  };
  return (
    <>
      <button type="button" className="link" onClick={() => void end()}>
        Sign out
      </button>
      {failure && (
        <p className="alert" role="alert">
          {failure}
        </p>
      )}
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
      <OrgSwitcher
        key={orgId}
        current={orgId}
        currentName={org.data?.name}
        mine={mine.data?.items}
        onSwitch={(next) => navigate(`~/console/orgs/${next}/${section}`)}
      />
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
          // Keyed by organization: nothing typed or loaded for one organization carries over to the next.
          <OrgContext.Provider key={orgId} value={{ org: organization, reload: org.reload }}>
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

/**
 * The organization switcher: a choice and a button, so moving through the options from the keyboard changes nothing
 * until it is confirmed. The current organization is always a choice, also where the caller acts through a parent
 * organization (R19) and is not a member.
 */
function OrgSwitcher({
  current,
  currentName,
  mine,
  onSwitch,
}: {
  current: string;
  currentName: string | undefined;
  mine: readonly { orgId: string; name: string }[] | undefined;
  onSwitch: (orgId: string) => void;
}) {
  const [chosen, setChosen] = useState(current);
  const options = mine?.some((o) => o.orgId === current)
    ? mine
    : [{ orgId: current, name: currentName ?? 'This organization' }, ...(mine ?? [])];
  return (
    <form
      className="switcher"
      onSubmit={(event) => {
        event.preventDefault();
        if (chosen !== current) onSwitch(chosen);
      }}
    >
      <label>
        <span className="visually-hidden">Organization</span>
        <select value={chosen} onChange={(event) => setChosen(event.target.value)}>
          {options.map((o) => (
            <option key={o.orgId} value={o.orgId}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <button className="secondary" disabled={chosen === current}>
        Switch
      </button>
    </form>
  );
}

export { useOrg };
