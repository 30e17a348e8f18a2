import { useEffect, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, unwrap } from '../api/client';
import { forgetTokenInAddress, tokenInAddress } from '../link-token';
import { session } from '../session';
import { Alert, Notice, useAction } from '../ui/async';
import { Field, formValues } from '../ui/field';

export function SignUp() {
  const action = useAction();
  const [sentTo, setSentTo] = useState<string>();
  if (sentTo)
    return (
      <Page title="Check your e-mail">
        <Notice>
          We sent a link to {sentTo}. Open it to verify your address, then <Link href="/login">sign in</Link>.
        </Notice>
      </Page>
    );
  return (
    <Page title="Create your account">
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const { name, email, password } = formValues(event.currentTarget);
          if (
            await action.run(() => unwrap(api.POST('/v1/auth/register', { body: { name, email, password } })))
          )
            setSentTo(email);
        }}
      >
        <Field label="Name" name="name" required autoComplete="name" />
        <Field label="E-mail" name="email" type="email" required autoComplete="email" />
        <Field
          label="Password"
          name="password"
          type="password"
          required
          autoComplete="new-password"
          hint="At least 8 characters; a passphrase is easiest to remember."
        />
        <Alert>{action.error}</Alert>
        <button disabled={action.busy}>Create account</button>
      </form>
      <p>
        Already registered? <Link href="/login">Sign in</Link>
      </p>
    </Page>
  );
}

/**
 * The token of a mailed link, read once and then taken out of the address bar and the history entry, so the link's
 * secret is not left in the browser's history (a reload asks for the link from the mail again).
 */
function useLinkToken(): string {
  const [token] = useState(() => tokenInAddress() ?? '');
  useEffect(() => {
    if (tokenInAddress() !== undefined) forgetTokenInAddress();
  }, []);
  return token;
}

export function VerifyEmail() {
  const search = useSearch();
  // A link mailed for an address change: using it moves the account that asked to this address.
  const [moving] = useState(() => new URLSearchParams(search).get('change') === '1');
  const token = useLinkToken();
  const action = useAction();
  const [verified, setVerified] = useState(false);
  return (
    <Page title={moving ? 'Move an account to this address' : 'Verify your e-mail address'}>
      {verified ? (
        <Notice>
          {moving ? 'The account now uses this address.' : 'Your address is verified.'}{' '}
          <Link href="/login">Sign in</Link>
        </Notice>
      ) : (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            if (await action.run(() => unwrap(api.POST('/v1/auth/verify-email', { body: { token } }))))
              setVerified(true);
          }}
        >
          <p>
            {moving
              ? 'An account asked to use this address from now on. Confirm only if that account is yours and you asked for the change; if not, close this page and nothing changes.'
              : 'Confirm that this address is yours.'}
          </p>
          <Alert>
            {action.error ?? (token ? undefined : 'This link has no token. Open the link from the e-mail.')}
          </Alert>
          <button disabled={action.busy || !token}>
            {moving ? 'Move my account to this address' : 'Verify my address'}
          </button>
        </form>
      )}
    </Page>
  );
}

export function LogIn() {
  const action = useAction();
  const [, navigate] = useLocation();
  const [challenge, setChallenge] = useState<string>();
  const signedIn = (tokens: { accessToken?: string; refreshToken?: string; userId?: string }) => {
    session.set({
      accessToken: tokens.accessToken!,
      refreshToken: tokens.refreshToken!,
      userId: tokens.userId!,
    });
    navigate('/', { replace: true });
  };
  if (challenge)
    return (
      <Page title="Two-factor code">
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            const { code } = formValues(event.currentTarget);
            await action.run(async () =>
              signedIn(await unwrap(api.POST('/v1/auth/login/two-factor', { body: { challenge, code } }))),
            );
          }}
        >
          <Field
            label="Code from your authenticator app, or a recovery code"
            name="code"
            required
            autoComplete="one-time-code"
            inputMode="numeric"
          />
          <Alert>{action.error}</Alert>
          <button disabled={action.busy}>Sign in</button>
        </form>
      </Page>
    );
  return (
    <Page title="Sign in">
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const { email, password } = formValues(event.currentTarget);
          await action.run(async () => {
            const answer = await unwrap(api.POST('/v1/auth/login', { body: { email, password } }));
            if (answer.status === 'two-factor-required' && answer.challenge) setChallenge(answer.challenge);
            else signedIn(answer);
          });
        }}
      >
        <Field label="E-mail" name="email" type="email" required autoComplete="email" />
        <Field label="Password" name="password" type="password" required autoComplete="current-password" />
        <Alert>{action.error}</Alert>
        <button disabled={action.busy}>Sign in</button>
      </form>
      <p>
        <Link href="/forgot-password">Forgot your password?</Link> ·{' '}
        <Link href="/signup">Create an account</Link>
      </p>
    </Page>
  );
}

export function ForgotPassword() {
  const action = useAction();
  const [sent, setSent] = useState(false);
  return (
    <Page title="Reset your password">
      {sent ? (
        <Notice>If an account uses that address, we sent it a link to choose a new password.</Notice>
      ) : (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            const { email } = formValues(event.currentTarget);
            if (await action.run(() => unwrap(api.POST('/v1/auth/password/forgot', { body: { email } }))))
              setSent(true);
          }}
        >
          <Field label="E-mail" name="email" type="email" required autoComplete="email" />
          <Alert>{action.error}</Alert>
          <button disabled={action.busy}>Send me a link</button>
        </form>
      )}
    </Page>
  );
}

export function ResetPassword() {
  const token = useLinkToken();
  const action = useAction();
  const [done, setDone] = useState(false);
  return (
    <Page title="Choose a new password">
      {done ? (
        <Notice>
          Your password is changed. <Link href="/login">Sign in</Link>
        </Notice>
      ) : (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            const { password } = formValues(event.currentTarget);
            if (
              await action.run(() =>
                unwrap(api.POST('/v1/auth/password/reset', { body: { token, password } })),
              )
            )
              setDone(true);
          }}
        >
          <Field label="New password" name="password" type="password" required autoComplete="new-password" />
          <Alert>{action.error}</Alert>
          <button disabled={action.busy}>Change password</button>
        </form>
      )}
    </Page>
  );
}

export function Page({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="narrow" id="main">
      <h1>{title}</h1>
      {children}
    </main>
  );
}
