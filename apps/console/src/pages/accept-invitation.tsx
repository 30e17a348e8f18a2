import { useEffect, useState } from 'react';
import { Link, useParams } from 'wouter';
import { api, unwrap } from '../api/client';
import { forgetTokenInAddress, tokenInAddress } from '../link-token';
import { useSession } from '../session';
import { Alert, Notice, Show, useAction, useLoad } from '../ui/async';
import { Check, Field, formValues } from '../ui/field';
import { Page } from './auth';
import { roleName } from './tags';

/** The token of the invitation link this tab opened, once it left the address bar. */
let openedToken = '';

/**
 * The link's token, read once and then taken out of the address bar and the history entry (`/console/invitations`
 * stays), as the mailed links' tokens are: on a shared machine, whoever opens the history next must not find a link
 * that lets them register in the invitee's place. It stays in this tab's memory only; a reload asks for the link from
 * the message again.
 */
function useInvitationToken(): string {
  const params = useParams<{ token?: string }>();
  // Links carry the token in the fragment; those sent before, in the path.
  const [token] = useState(() => params.token ?? tokenInAddress() ?? openedToken);
  useEffect(() => {
    const opened = params.token ?? tokenInAddress();
    if (opened === undefined) return;
    openedToken = opened;
    forgetTokenInAddress('/console/invitations');
  }, []);
  return token;
}

/** The page an invitation link opens: a new user registers here; someone with an account signs in and accepts. */
export function AcceptInvitation() {
  const token = useInvitationToken();
  if (!token)
    return (
      <Page title="Your invitation">
        <Notice>Open the invitation link from your message again.</Notice>
      </Page>
    );
  return <InvitationFor token={token} />;
}

function InvitationFor({ token }: { token: string }) {
  const signedIn = useSession();
  // The token goes in the body, never in a URL: no access log on the way keeps it.
  const preview = useLoad(() => unwrap(api.POST('/v1/invitations/preview', { body: { token } })), token);
  const action = useAction();
  const [accepted, setAccepted] = useState<string>();
  const accept = (body: Record<string, unknown>) =>
    action.run(async () => {
      const answer = await unwrap(api.POST('/v1/invitations/accept', { body: { ...body, token } }));
      setAccepted(answer.orgId);
    });
  return (
    <Page title="Your invitation">
      <Show loaded={preview}>
        {(invitation) =>
          accepted ? (
            <Notice>
              You joined {invitation.orgName}.{' '}
              {signedIn ? (
                <Link href={`/orgs/${accepted}/users`}>Open {invitation.orgName}</Link>
              ) : (
                <Link href="/login">Sign in</Link>
              )}
            </Notice>
          ) : (
            <>
              <p>
                <strong>{invitation.orgName}</strong> invites {invitation.email ?? invitation.phone} to join
                as {roleName(invitation.role)}. The invitation is valid until{' '}
                {new Date(invitation.expiresAt).toLocaleString()}.
              </p>
              {signedIn ? (
                <>
                  <Alert>{action.error}</Alert>
                  <button disabled={action.busy} onClick={() => accept({})}>
                    Accept and join
                  </button>
                </>
              ) : invitation.accountExists ? (
                <p>
                  You already have an account. <Link href="/login">Sign in</Link>, then open this link again.
                </p>
              ) : (
                <form
                  onSubmit={(event) => {
                    event.preventDefault();
                    const data = formValues(event.currentTarget);
                    void accept({
                      name: data.name,
                      password: data.password,
                      termsAccepted: data.terms === 'on',
                      ...(invitation.email ? {} : { email: data.email }),
                    });
                  }}
                >
                  <Field label="Your name" name="name" required autoComplete="name" />
                  {!invitation.email && (
                    <Field
                      label="E-mail address to sign in with"
                      name="email"
                      type="email"
                      required
                      autoComplete="email"
                    />
                  )}
                  <Field
                    label="Choose a password"
                    name="password"
                    type="password"
                    required
                    autoComplete="new-password"
                  />
                  <Check label="I accept the terms of use" name="terms" required />
                  <Alert>{action.error}</Alert>
                  <button disabled={action.busy}>Create my account and join</button>
                </form>
              )}
            </>
          )
        }
      </Show>
    </Page>
  );
}
