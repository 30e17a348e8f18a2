/**
 * npm run read-models:rebuild [-- --url http://127.0.0.1:3000]
 *
 * Asks the running gateway to rebuild every read model from the event store (reads keep working; the switch is
 * atomic), prints its progress every second and exits 0 once it is done (1 if it failed or was refused).
 * Authenticates as an operator (a user id in IDENTITY_OPERATORS): OPERATOR_TOKEN, or OPERATOR_EMAIL and
 * OPERATOR_PASSWORD to sign in.
 */
import { parseArgs } from 'node:util';

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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' } } });
  const base = (values.url ?? process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const token = process.env.OPERATOR_TOKEN ?? (await signIn(base));
  const call = async (method: 'GET' | 'POST'): Promise<Status> => {
    const res = await fetch(`${base}/v1/operator/read-models/rebuild`, {
      method,
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as Status & { code?: string; title?: string };
    if (!res.ok) throw new Error(`${res.status} ${body.code ?? ''}: ${body.title ?? ''}`);
    return body;
  };
  let status = await call('POST');
  console.log(`rebuild ${status.rebuildId} started`);
  while (status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    status = await call('GET');
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

async function signIn(base: string): Promise<string> {
  const email = process.env.OPERATOR_EMAIL;
  const password = process.env.OPERATOR_PASSWORD;
  if (!email || !password) throw new Error('set OPERATOR_TOKEN, or OPERATOR_EMAIL and OPERATOR_PASSWORD');
  const res = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { accessToken?: string; code?: string; status?: string };
  if (!res.ok || !body.accessToken)
    throw new Error(
      `sign-in failed: ${body.code ?? body.status ?? res.status} (two-factor sign-in: use OPERATOR_TOKEN)`,
    );
  return body.accessToken;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
