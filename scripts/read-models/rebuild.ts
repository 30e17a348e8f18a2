/**
 * npm run read-models:rebuild [-- --url http://127.0.0.1:3000]
 *
 * Asks the running gateway to rebuild every read model from the event store (reads keep working; the switch is
 * atomic), prints its progress every second and exits 0 once it is done (1 if it failed or was refused).
 * Authenticates as an operator (a user id in IDENTITY_OPERATORS, in a session opened with a second factor):
 * OPERATOR_TOKEN (from a sign-in within OPERATOR_SIGN_IN_MAX_AGE_MS, an hour: a refreshed token of an older session is
 * refused), or OPERATOR_EMAIL, OPERATOR_PASSWORD and OPERATOR_TOTP_CODE to sign in. Progress is kept by the
 * gateway replica that runs the rebuild: with several replicas, point --url at one of them (kubectl port-forward).
 * The password, the code and the token go only over https, or to this machine (a port-forward): plain http elsewhere
 * is refused unless --insecure. A session it opened is signed out when it ends, or is interrupted (Ctrl-C).
 */
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { answerOf } from '../http-answer';

interface Status {
  rebuildId: string;
  state: 'running' | 'done' | 'failed';
  events: number;
  eventsPerSecond: number;
  position: string;
  fraction: number;
  etaSeconds?: number;
  error?: string;
}

const USAGE = `usage: npm run read-models:rebuild [-- --url <gateway, default GATEWAY_URL or http://127.0.0.1:3000>]
  [--insecure: allow plain http to another machine]
  as an operator: OPERATOR_TOKEN (of a sign-in within the last hour), or OPERATOR_EMAIL + OPERATOR_PASSWORD +
  OPERATOR_TOTP_CODE`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, insecure: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) return console.log(USAGE);
  const base = (values.url ?? process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  if (!values.insecure && sendsInTheClear(base))
    throw new Error(
      `${base}: an operator's password, code and token would cross the network unencrypted; use https, a ` +
        `port-forward to 127.0.0.1, or --insecure`,
    );
  console.log(`gateway ${base}`);
  let session: Session | undefined;
  let signingOut: Promise<void> | undefined;
  // The session this command opened for itself ends with it (a token given to it is the caller's), once.
  const signOut = (): Promise<void> =>
    (signingOut ??= (async () => {
      if (!session?.refreshToken) return;
      const out = await postJson(base, '/v1/auth/logout', { refreshToken: session.refreshToken }).catch(
        () => undefined,
      );
      console.log(out?.ok ? 'signed out of the session it opened' : 'could not sign out of its session');
    })());
  // Interrupted (Ctrl-C, or a supervisor's SIGTERM), it signs out first. A signal again (npm passes Ctrl-C on to the
  // script it runs) changes nothing; every request has a timeout, so it ends.
  let interruptedWith: number | undefined;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    process.on(signal, () => {
      if (interruptedWith !== undefined) return;
      interruptedWith = code;
      console.log(
        'interrupted: a rebuild already started goes on in the gateway (GET /v1/operator/read-models/rebuild)',
      );
      // Still signing in: the session is signed out once it exists (below).
      if (session) void signOut().finally(() => process.exit(code));
    });
  session = process.env.OPERATOR_TOKEN ? { accessToken: process.env.OPERATOR_TOKEN } : await signIn(base);
  if (interruptedWith !== undefined) {
    await signOut();
    process.exit(interruptedWith);
  }
  if (session.refreshToken) console.log('signed in');
  try {
    await rebuild(
      base,
      () => session!,
      (renewed) => (session = renewed),
    );
  } finally {
    await signOut();
  }
  if (interruptedWith !== undefined) process.exit(interruptedWith);
}

/** Plain http to anywhere but this machine (a name such as `127.0.0.1.example.com` is anywhere). */
function sendsInTheClear(base: string): boolean {
  const url = new URL(base);
  const loopback =
    ['localhost', '[::1]'].includes(url.hostname) ||
    (isIPv4(url.hostname) && url.hostname.startsWith('127.'));
  return url.protocol === 'http:' && !loopback;
}

async function rebuild(
  base: string,
  current: () => Session,
  renew: (session: Session) => void,
): Promise<void> {
  let session = current();
  const call = async (method: 'GET' | 'POST'): Promise<Status> => {
    const send = () =>
      fetch(`${base}/v1/operator/read-models/rebuild`, {
        method,
        headers: { authorization: `Bearer ${session.accessToken}` },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    let res = await send();
    // Access tokens last 5 minutes, a rebuild may take longer: a session this command opened is renewed.
    if (res.status === 401 && session.refreshToken) {
      session = await answerOf<Session>(
        await postJson(base, '/v1/auth/refresh', { refreshToken: session.refreshToken }),
      );
      renew(session);
      res = await send();
    }
    return answerOf<Status>(res);
  };
  let status = await call('POST');
  console.log(`rebuild ${status.rebuildId} started`);
  while (status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    status = await untilAnswered(() => call('GET'));
    if (status.state === 'running')
      console.log(
        `${status.events} events, ${status.eventsPerSecond} events/s, position ${status.position}, ` +
          `${(status.fraction * 100).toFixed(1)}%${status.etaSeconds !== undefined ? `, ETA ${status.etaSeconds} s` : ''}`,
      );
  }
  if (status.state === 'failed') throw new Error(`rebuild failed: ${status.error ?? 'unknown error'}`);
  console.log(
    `done: ${status.events} events projected at ${status.eventsPerSecond} events/s; reads switched over`,
  );
}

/** A progress read that failed on the way (a restarting proxy, a 502/503) is tried again a few times. */
async function untilAnswered<T>(read: () => Promise<T>, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (attempt >= tries || (status !== undefined && status < 500)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
    }
  }
}

interface Session {
  accessToken: string;
  refreshToken?: string;
}

/** No request waits on a gateway that stopped answering for longer than this. */
const REQUEST_TIMEOUT_MS = 15_000;

function postJson(base: string, path: string, body: object): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

async function signIn(base: string): Promise<Session> {
  const email = process.env.OPERATOR_EMAIL;
  const password = process.env.OPERATOR_PASSWORD;
  if (!email || !password)
    throw new Error(`set OPERATOR_TOKEN, or OPERATOR_EMAIL and OPERATOR_PASSWORD\n${USAGE}`);
  const first = await answerOf<Partial<Session> & { challenge?: string }>(
    await postJson(base, '/v1/auth/login', { email, password }),
  );
  if (first.accessToken) return { accessToken: first.accessToken, refreshToken: first.refreshToken };
  const code = process.env.OPERATOR_TOTP_CODE;
  if (!first.challenge || !code)
    throw new Error(`sign-in needs a second factor: set OPERATOR_TOTP_CODE (or OPERATOR_TOKEN)`);
  return answerOf<Session>(
    await postJson(base, '/v1/auth/login/two-factor', { challenge: first.challenge, code }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
