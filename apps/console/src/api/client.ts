import createClient from 'openapi-fetch';
import { session, type Session } from '../session';
import { type Problem } from './problem';
import { type components, type paths } from './schema';

export type Schemas = components['schemas'];

/** The gateway's public API, typed from its OpenAPI document (`npm run console:api` regenerates `schema.d.ts`). */
export const api = createClient<paths>({ baseUrl: location.origin });

/** A refusal, carrying the API's problem document. */
export class ApiError extends Error {
  constructor(
    readonly problem: Problem,
    readonly status: number,
  ) {
    super(problem.title ?? `HTTP ${status}`);
  }
}

/** The answer of a call, or its problem thrown as an ApiError. */
type Answered<T> = { data?: T; error?: unknown; response: Response };

function answerOf<T>({ data, error, response }: Answered<T>): T {
  if (!response.ok) throw new ApiError((error ?? {}) as Problem, response.status);
  return data as T;
}

export async function unwrap<T>(call: Promise<Answered<T>>): Promise<T> {
  return answerOf(await call);
}

/**
 * A command's answer, and whether it was a 202: done, but the read models had not shown it within the gateway's
 * wait, so a read right after may still show the old state.
 */
export async function command<T>(call: Promise<Answered<T>>): Promise<{ answer: T; lagging: boolean }> {
  const result = await call;
  return { answer: answerOf(result), lagging: result.response.status === 202 };
}

const retries = new WeakMap<Request, Request>();
let refreshing: Promise<Session | undefined> | undefined;

api.use({
  onRequest({ request }) {
    const signedIn = session.current();
    if (signedIn && !request.headers.has('authorization'))
      request.headers.set('authorization', `Bearer ${signedIn.accessToken}`);
    if (signedIn) retries.set(request, request.clone());
    return request;
  },
  // Access tokens live minutes: on a 401 the refresh token gets a new pair once, and the request is sent again.
  async onResponse({ request, response }) {
    const retry = retries.get(request);
    if (response.status !== 401 || !retry) return response;
    const renewed = await (refreshing ??= refresh().finally(() => (refreshing = undefined)));
    if (!renewed) return response;
    retry.headers.set('authorization', `Bearer ${renewed.accessToken}`);
    return fetch(retry);
  },
});

async function refresh(): Promise<Session | undefined> {
  const signedIn = session.current();
  if (!signedIn) return undefined;
  const key = await renewalKeyOf(signedIn);
  const response = await fetch('/v1/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ refreshToken: signedIn.refreshToken }),
  });
  // Another tab of this session renewed it meanwhile and handed this one the new pair, or the session ended (here or
  // there): what is in force now stands.
  if (session.current() !== signedIn) return session.current();
  // Only a refusal of the refresh token ends the session; a 429 or a 503 leaves it for the next try.
  if (response.status === 400 || response.status === 401 || response.status === 403) session.set(undefined);
  if (!response.ok) return undefined;
  const tokens = (await response.json()) as Schemas['SessionView'];
  if (!tokens.accessToken || !tokens.refreshToken) return undefined;
  const renewed = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    userId: signedIn.userId,
    renewKey: signedIn.renewKey,
  };
  session.set(renewed);
  return renewed;
}

/**
 * The same for every tab renewing this refresh token of this sign-in, and for nobody else: a digest of the sign-in's
 * own secret and the token. Without Web Crypto (a page served over plain HTTP from another host) there is none.
 */
async function renewalKeyOf(signedIn: Session): Promise<string | undefined> {
  if (!crypto.subtle) return undefined;
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`${signedIn.renewKey}:${signedIn.refreshToken}`),
  );
  return `renew-${Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
