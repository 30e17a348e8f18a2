import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { ApiError, api, unwrap, type Schemas } from '../api/client';
import { session } from '../session';
import { signOut } from '../sign-out';
import { Alert, Notice, Show, useAction, useLoad } from '../ui/async';
import { Dialog } from '../ui/dialog';
import { Check, Choice, Field, formValues } from '../ui/field';
import { QrCode } from '../ui/qr-code';

/** My account: profile (R14), e-mail address (R18), password, two-factor sign-in (R22), and deleting the account (R10). */
export function Account() {
  const me = useLoad(() => unwrap(api.GET('/v1/me', {})), 'me');
  const action = useAction();
  const [done, setDone] = useState<string>();
  const [sessionsEnded, setSessionsEnded] = useState(false);
  const [, navigate] = useLocation();
  const run = async (what: string, call: () => Promise<unknown>, form?: HTMLFormElement) => {
    const ok = await action.run(call);
    if (ok) {
      setDone(what);
      form?.reset();
      me.reload();
    }
    return ok;
  };
  return (
    <>
      <p>
        <Link href="~/console/">← Your organizations</Link>
      </p>
      <h1>Your account</h1>
      <Alert>{action.error}</Alert>
      <Notice>{done}</Notice>
      {sessionsEnded && (
        <button
          type="button"
          onClick={() => {
            session.set(undefined);
            navigate('~/console/login');
          }}
        >
          Sign in again
        </button>
      )}
      <Show loaded={me}>
        {(user) => (
          <>
            <section aria-labelledby="profile">
              <h2 id="profile">Profile</h2>
              <form
                onSubmit={(event) => {
                  event.preventDefault();
                  const { name, phone, locale } = formValues(event.currentTarget);
                  // The name only when changed: one stored before a rule refusing it may not be sent back as it is.
                  void run('Profile saved.', () =>
                    unwrap(
                      api.PATCH('/v1/me', {
                        body: {
                          ...(name !== user.name ? { name } : {}),
                          locale,
                          phone: phone ? phone : null,
                        },
                      }),
                    ),
                  );
                }}
              >
                <Field label="Name" name="name" defaultValue={user.name} required autoComplete="name" />
                <Field
                  label="Phone"
                  name="phone"
                  type="tel"
                  defaultValue={user.phone ?? ''}
                  autoComplete="tel"
                  hint="International format, e.g. +14155550100; empty removes it."
                />
                <Choice label="Language of messages" name="locale" defaultValue={user.locale ?? 'en'}>
                  <option value="en">English</option>
                  <option value="de">Deutsch</option>
                </Choice>
                <button disabled={action.busy}>Save profile</button>
              </form>
            </section>

            <EmailAddress user={user} />

            <section aria-labelledby="password">
              <h2 id="password">Password</h2>
              <form
                onSubmit={(event) => {
                  event.preventDefault();
                  const form = event.currentTarget;
                  const { currentPassword, newPassword } = formValues(form);
                  void run(
                    'Password changed. Every session has ended, this one too: sign in again with the new password.',
                    () => unwrap(api.PUT('/v1/me/password', { body: { currentPassword, newPassword } })),
                    form,
                  ).then((ok) => ok && setSessionsEnded(true));
                }}
              >
                <Field
                  label="Current password"
                  name="currentPassword"
                  type="password"
                  required
                  autoComplete="current-password"
                />
                <Field
                  label="New password"
                  name="newPassword"
                  type="password"
                  required
                  autoComplete="new-password"
                />
                <button disabled={action.busy}>Change password</button>
              </form>
            </section>

            <TwoFactor user={user} onSessionsEnded={() => setSessionsEnded(true)} />
            <SignOutEverywhere />
            <DeleteAccount />
          </>
        )}
      </Show>
    </>
  );
}

/** R18: a new address takes effect once the link mailed to it is opened; until then the account keeps its own. */
function EmailAddress({ user }: { user: Schemas['UserView'] }) {
  const action = useAction();
  const [notice, setNotice] = useState<string>();
  return (
    <section aria-labelledby="email">
      <h2 id="email">E-mail address</h2>
      <p>
        Your address is {user.email}
        {user.emailVerified ? '' : ' (not verified yet)'}.
      </p>
      <Alert>{action.error}</Alert>
      <Notice>{notice}</Notice>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const { email, password } = formValues(form);
          // A request replaces (or, refused, may have called off) the move asked for before: its notice goes.
          setNotice(undefined);
          let said: string | undefined;
          const ok = await action.run(async () => {
            const answer = await unwrap(api.PUT('/v1/me/email', { body: { email, password } }));
            // Without expiresAt no link went out: the address was sent as many as it may get in an hour.
            said = !('pendingEmail' in answer)
              ? 'That is your address already; a change asked for earlier is off.'
              : answer.expiresAt === undefined
                ? `No link was sent to ${answer.pendingEmail}: it has had as many as it may get in an hour. Try again later; until then you sign in with ${user.email}.`
                : `We sent a link to ${answer.pendingEmail}. Your address changes once you open it; until then you sign in with ${user.email}.`;
          });
          if (ok) {
            form.reset();
            setNotice(said);
          }
        }}
      >
        <Field label="New e-mail address" name="email" type="email" required autoComplete="email" />
        <Field
          label="Your password, to change it"
          name="password"
          type="password"
          required
          autoComplete="current-password"
        />
        <button disabled={action.busy}>Change e-mail address</button>
      </form>
    </section>
  );
}

/**
 * Setting up and turning off the second factor. Its state is kept here after a change rather than read again: the
 * profile read model may not show it yet. Turning it on ends every session (the next sign-in asks for a code).
 */
function TwoFactor({ user, onSessionsEnded }: { user: Schemas['UserView']; onSessionsEnded: () => void }) {
  const [enabled, setEnabled] = useState(user.twoFactorEnabled);
  const action = useAction();
  const [enrollment, setEnrollment] = useState<Schemas['TwoFactorEnrollmentView']>();
  const [recoveryCodes, setRecoveryCodes] = useState<{ codes: string[]; replaced: boolean }>();
  // On already (this page was read before, or a set-up went through and its answer was lost): shown as on, where new
  // recovery codes can be had, with the API's words saying so.
  const foundOn = async <T,>(call: Promise<T>): Promise<T> => {
    try {
      return await call;
    } catch (error) {
      if (error instanceof ApiError && error.problem.code === 'two-factor-already-enabled') {
        setEnrollment(undefined);
        setEnabled(true);
      }
      throw error;
    }
  };
  return (
    <section aria-labelledby="two-factor">
      <h2 id="two-factor">Two-factor sign-in</h2>
      <Alert>{action.error}</Alert>
      {recoveryCodes && (
        <div className="notice" role="status">
          <p>
            {recoveryCodes.replaced
              ? 'New recovery codes: the ones before no longer work.'
              : 'Two-factor sign-in is on, and every session has ended: sign in again once you have saved the recovery codes below.'}{' '}
            Keep these recovery codes somewhere safe; each works once, and they are shown only now:
          </p>
          <ul className="codes">
            {recoveryCodes.codes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {enabled ? (
        <>
          <form
            className="inline"
            onSubmit={async (event) => {
              event.preventDefault();
              const form = event.currentTarget;
              const { code } = formValues(form);
              await action.run(async () => {
                const answer = await unwrap(api.POST('/v1/me/two-factor/recovery-codes', { body: { code } }));
                form.reset();
                setRecoveryCodes({ codes: answer.recoveryCodes, replaced: true });
              });
            }}
          >
            <Field
              label="A current code from the app, for new recovery codes"
              name="code"
              required
              autoComplete="one-time-code"
              inputMode="numeric"
            />
            <button disabled={action.busy}>New recovery codes</button>
          </form>
          <form
            className="inline"
            onSubmit={async (event) => {
              event.preventDefault();
              const form = event.currentTarget;
              const { code } = formValues(form);
              if (await action.run(() => unwrap(api.DELETE('/v1/me/two-factor', { body: { code } })))) {
                setRecoveryCodes(undefined);
                setEnabled(false);
              }
            }}
          >
            <Field
              label="A current code, to turn it off"
              name="code"
              required
              autoComplete="one-time-code"
              inputMode="numeric"
            />
            <button className="danger" disabled={action.busy}>
              Turn off
            </button>
          </form>
        </>
      ) : enrollment ? (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            const { code } = formValues(event.currentTarget);
            await action.run(async () => {
              const answer = await foundOn(unwrap(api.POST('/v1/me/two-factor/confirm', { body: { code } })));
              setEnrollment(undefined);
              setRecoveryCodes({ codes: answer.recoveryCodes, replaced: false });
              setEnabled(true);
              onSessionsEnded();
            });
          }}
        >
          <p>
            Scan this code with your authenticator app, or add the key to it by hand (or open the setup link
            on a phone that has one), then enter the code it shows.
          </p>
          <QrCode text={enrollment.otpauthUri} label="QR code of the two-factor setup link" />
          <p>
            Key: <code className="secret">{enrollment.secret}</code>
          </p>
          <p>
            <a href={enrollment.otpauthUri}>Open in an authenticator app</a>
          </p>
          <Field
            label="Code from the app"
            name="code"
            required
            autoComplete="one-time-code"
            inputMode="numeric"
          />
          <button disabled={action.busy}>Turn on</button>
        </form>
      ) : (
        <form
          className="inline"
          onSubmit={async (event) => {
            event.preventDefault();
            const { password } = formValues(event.currentTarget);
            await action.run(async () =>
              setEnrollment(await foundOn(unwrap(api.POST('/v1/me/two-factor', { body: { password } })))),
            );
          }}
        >
          <p>A code from an authenticator app at each sign-in. Organizations may require it.</p>
          <Field
            label="Your password, to set it up"
            name="password"
            type="password"
            required
            autoComplete="current-password"
          />
          <button disabled={action.busy}>Set up two-factor sign-in</button>
        </form>
      )}
    </section>
  );
}

/** The most organizations a deletion names; an Owner of more confirms them all without naming them. */
const MOST_NAMED = 1000;

/** A lost or shared device: every session of the account ends, this one too. */
function SignOutEverywhere() {
  const [failure, setFailure] = useState<string>();
  const [, navigate] = useLocation();
  const end = async () => {
    if (await signOut(true)) navigate('~/console/login');
    else
      setFailure('You are still signed in everywhere: the server did not confirm the sign-out. Try again.');
  };
  return (
    <section aria-labelledby="everywhere">
      <h2 id="everywhere">Signed-in devices</h2>
      <Sessions />
      <p>
        Signing out everywhere ends every session of your account, on every device and browser, this one too.
      </p>
      <button type="button" className="secondary" onClick={() => void end()}>
        Sign out everywhere
      </button>
      {failure && (
        <p className="alert" role="alert">
          {failure}
        </p>
      )}
    </section>
  );
}

/** Where the account is signed in; any session but this one can be ended from here (this one signs out). */
function Sessions() {
  const sessions = useLoad(() => unwrap(api.GET('/v1/me/sessions', {})), 'sessions');
  const action = useAction();
  const [ended, setEnded] = useState<string>();
  return (
    <>
      <Alert>{action.error}</Alert>
      <Notice>{ended}</Notice>
      <Show loaded={sessions}>
        {({ items }) => (
          <table>
            <caption>Your sessions, the latest used first</caption>
            <thead>
              <tr>
                <th scope="col">Signed in</th>
                <th scope="col">Last used</th>
                <th scope="col">Second factor</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.sessionId}>
                  <td>
                    <time dateTime={s.signedInAt}>{new Date(s.signedInAt).toLocaleString()}</time>
                  </td>
                  <td>
                    <time dateTime={s.lastUsedAt}>{new Date(s.lastUsedAt).toLocaleString()}</time>
                  </td>
                  <td>{s.secondFactor ? 'Yes' : 'No'}</td>
                  <td>
                    {s.current ? (
                      'This browser'
                    ) : (
                      <button
                        type="button"
                        className="secondary"
                        disabled={action.busy}
                        aria-label={`End the session signed in ${new Date(s.signedInAt).toLocaleString()}`}
                        onClick={async () => {
                          const done = await action.run(() =>
                            unwrap(
                              api.DELETE('/v1/me/sessions/{sessionId}', {
                                params: { path: { sessionId: s.sessionId } },
                              }),
                            ),
                          );
                          if (done) {
                            setEnded('Session ended: that device is signed out.');
                            sessions.reload();
                          }
                        }}
                      >
                        End
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
    </>
  );
}

function DeleteAccount() {
  const [open, setOpen] = useState(false);
  const action = useAction();
  const [, navigate] = useLocation();
  return (
    <section aria-labelledby="delete-account">
      <h2 id="delete-account">Delete your account</h2>
      <p>
        You leave every organization. An organization you own is deleted with your account if you confirm it
        (R10).
      </p>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Delete my account
      </button>
      <Dialog open={open} title="Delete your account?" onClose={() => setOpen(false)}>
        {open && (
          <DeleteAccountForm
            action={action}
            onCancel={() => setOpen(false)}
            onDeleted={() => {
              session.set(undefined);
              navigate('~/console/login');
            }}
          />
        )}
      </Dialog>
    </section>
  );
}

/**
 * Names the organizations that go with the account and sends the ones it named: one that became the user's after the
 * dialog opened is refused (R10), not deleted unseen.
 */
function DeleteAccountForm({
  action,
  onCancel,
  onDeleted,
}: {
  action: ReturnType<typeof useAction>;
  onCancel: () => void;
  onDeleted: () => void;
}) {
  const owned = useLoad(async () => {
    const mine = await unwrap(api.GET('/v1/me/organizations', {}));
    return mine.items.filter((org) => org.role === 'owner');
  }, 'owned');
  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        const shown = owned.data ?? [];
        const ok = await action.run(() =>
          unwrap(
            api.DELETE('/v1/me', {
              body: {
                password: String(data.get('password')),
                confirmOwnedOrganizations: data.get('confirmOwned') === 'on',
                ...(owned.data && shown.length <= MOST_NAMED
                  ? { ownedOrganizationIds: shown.map((org) => org.orgId) }
                  : {}),
              },
            }),
          ),
        );
        if (ok) onDeleted();
        else owned.reload();
      }}
    >
      <Field label="Your password" name="password" type="password" required autoComplete="current-password" />
      <Show loaded={owned}>
        {(orgs) =>
          orgs.length === 0 ? (
            <p>You own no organization: none is deleted.</p>
          ) : (
            <>
              <p id="owned-organizations">Deleted with your account, if you confirm:</p>
              <ul aria-labelledby="owned-organizations">
                {orgs.map((org) => (
                  <li key={org.orgId}>{org.name}</li>
                ))}
              </ul>
              <Check label="Also delete the organizations I own" name="confirmOwned" />
            </>
          )
        }
      </Show>
      <Alert>{action.error}</Alert>
      <div className="actions">
        <button className="danger" disabled={action.busy}>
          Delete my account
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
