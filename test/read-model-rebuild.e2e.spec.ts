import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { EventStoreDBClient } from '@eventstore/db-client';
import { type PersonalData } from '@app/personal-data';
import { PERSONAL_DATA } from '@app/platform';
import { defaultCatalog } from '@app/permissions';
import { InMemoryReadStore, READ_STORE, type ReadStore } from '@app/read-store';
import { COLLECTIONS } from '../apps/gateway/src/read-models/documents';
import { readModelsOf } from '../apps/gateway/src/read-models/read-models';
import { projectFromEventStore, projectionTargetFor } from '../apps/gateway/src/read-models/rebuild';
import { bearer, PASSWORD, startPlatform, type Platform, type SignedIn } from './platform.testing';

/**
 * Rebuilding the read models without downtime: while an operator's rebuild re-projects the event store into fresh
 * collections and switches over, reads keep answering and writes keep landing; afterwards the models equal a
 * projection of the whole history from scratch.
 */
describe('read-model rebuild', () => {
  let platform: Platform;
  const operators: string[] = [];
  let operator: SignedIn & { recoveryCodes: string[] };
  let owner: SignedIn;
  const orgIds: string[] = [];
  const userIds = new Set<string>();

  beforeAll(async () => {
    platform = await startPlatform({ gateway: { operators } });
    operator = await platform.enrollTwoFactor(await platform.signUp('Opal'));
    operators.push(operator.userId);
    owner = await platform.signUp('Olga');
    userIds.add(owner.userId);
    for (const name of ['North', 'South']) {
      const orgId = await platform.createOrg(owner, name);
      orgIds.push(orgId);
      const team = await platform.http
        .post(`/v1/orgs/${orgId}/teams`)
        .set(bearer(owner))
        .send({ name: 'Crew' })
        .expect(201);
      for (const person of ['Ann', 'Ben']) {
        const member = await platform.join(owner, orgId, person);
        userIds.add(member.userId);
        await platform.http
          .put(`/v1/orgs/${orgId}/teams/${team.body.teamId}/members/${member.userId}`)
          .set(bearer(owner))
          .send({ role: 'member' })
          .expect(200);
      }
      await platform.http
        .post(`/v1/orgs/${orgId}/invitations`)
        .set(bearer(owner))
        .send({ email: `pending-${name.toLowerCase()}@example.com`, role: 'user', send: false })
        .expect(201);
    }
  }, 120_000);
  afterAll(() => platform?.close());

  const store = (): ReadStore => platform.gateway.get(READ_STORE);

  /** This test's documents of every collection, keyed and sorted, from a store (others' tenants left out). */
  async function documentsOf(readStore: ReadStore): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const name of Object.values(COLLECTIONS)) {
      const docs: Record<string, unknown>[] = [];
      let cursor: string | undefined;
      do {
        const page = await readStore.collection(name).find({}, { limit: 500, ...(cursor ? { cursor } : {}) });
        docs.push(...(page.items as unknown as Record<string, unknown>[]));
        cursor = page.nextCursor;
      } while (cursor);
      out[name] = docs
        .filter((d) => orgIds.includes(String(d.orgId ?? d._id)) || userIds.has(String(d.userId)))
        .filter((d) => name !== COLLECTIONS.users || userIds.has(String(d.userId)))
        .sort((a, b) => String(a._id).localeCompare(String(b._id)));
    }
    return out;
  }

  /** The whole history projected from scratch into a fresh store. */
  async function fromScratch(): Promise<Record<string, unknown[]>> {
    const fresh = new InMemoryReadStore();
    const client = EventStoreDBClient.connectionString(platform.store.connectionString);
    try {
      await projectFromEventStore(
        client,
        projectionTargetFor(fresh, readModelsOf(fresh)),
        defaultCatalog,
        platform.gateway.get<PersonalData>(PERSONAL_DATA),
      );
    } finally {
      await client.dispose();
    }
    return documentsOf(fresh);
  }

  it('the live models, built event by event, equal a projection from scratch', async () => {
    expect(await documentsOf(store())).toEqual(await fromScratch());
  });

  it('is for operators only', async () => {
    expect((await platform.http.post('/v1/operator/read-models/rebuild').set(bearer(owner))).status).toBe(
      403,
    );
    expect((await platform.http.post('/v1/operator/read-models/rebuild')).status).toBe(401);
  });

  it('reads never fail while it runs, writes made meanwhile survive it, and the result equals a projection from scratch', async () => {
    let reading = true;
    const failures: string[] = [];
    let reads = 0;
    const readers = [0, 1].map(async (i) => {
      const orgId = orgIds[i]!;
      while (reading) {
        for (const path of [
          `/v1/orgs/${orgId}`,
          `/v1/orgs/${orgId}/members`,
          `/v1/orgs/${orgId}/teams`,
          '/v1/me/organizations',
        ]) {
          const res = await platform.http.get(path).set(bearer(owner));
          reads++;
          if (res.status !== 200) failures.push(`${path}: ${res.status}`);
          else if (path.endsWith('/members') && res.body.items.length !== 3)
            failures.push(`${path}: ${res.body.items.length} members`);
        }
      }
    });

    const key = `rebuild-${randomUUID()}`;
    const startOnce = () =>
      platform.http
        .post('/v1/operator/read-models/rebuild')
        .set(bearer(operator))
        .set('idempotency-key', key);
    const started = await startOnce().expect(202);
    expect(started.body).toMatchObject({
      state: 'running',
      rebuildId: expect.any(String),
      startedBy: operator.userId,
    });
    // The same request again (a retry after a lost answer) gets the first answer; another one is refused.
    expect((await startOnce().expect(202)).body).toEqual(started.body);
    const again = await platform.http.post('/v1/operator/read-models/rebuild').set(bearer(operator));
    expect([again.status, again.body.code]).toEqual([409, 'rebuild-running']);
    // A write while it runs: it must be in the models once they are switched.
    const renamed = await platform.http
      .patch(`/v1/orgs/${orgIds[1]}`)
      .set(bearer(owner))
      .send({ name: 'South-East' });
    expect([200, 202]).toContain(renamed.status);

    let status: Record<string, unknown> = started.body;
    while (status.state === 'running') {
      await new Promise((r) => setTimeout(r, 20));
      status = (await platform.http.get('/v1/operator/read-models/rebuild').set(bearer(operator)).expect(200))
        .body;
    }
    reading = false;
    await Promise.all(readers);

    expect(status).toMatchObject({ state: 'done', fraction: 1, etaSeconds: 0 });
    // Done, it says where it switched, however quick it was (progress is reported once a second).
    expect(BigInt(status.position as string)).toBeGreaterThan(0n);
    // Retried once it is done, it starts no second rebuild.
    expect((await startOnce().expect(202)).body).toEqual(started.body);
    expect(
      (await platform.http.get('/v1/operator/read-models/rebuild').set(bearer(operator)).expect(200)).body,
    ).toMatchObject({ rebuildId: started.body.rebuildId, state: 'done' });
    expect(status.events as number).toBeGreaterThan(20);
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect((await platform.http.get(`/v1/orgs/${orgIds[1]}`).set(bearer(owner)).expect(200)).body.name).toBe(
      'South-East',
    );
    expect(await documentsOf(store())).toEqual(await fromScratch());
  });

  const REBUILD_SCRIPT = ['-r', '@swc-node/register', 'scripts/read-models/rebuild.ts', '--url'];
  /** The script's environment to sign in itself, with one of the operator's recovery codes for the second factor. */
  const signingInWith = (code: string) => ({
    ...process.env,
    OPERATOR_EMAIL: operator.email,
    OPERATOR_PASSWORD: PASSWORD,
    OPERATOR_TOTP_CODE: code,
  });

  it('npm run read-models:rebuild asks the gateway, prints progress and ends when the switch is done', async () => {
    const url = `http://127.0.0.1:${await listening()}`;
    const { stdout } = await promisify(execFile)(process.execPath, [...REBUILD_SCRIPT, url], {
      env: { ...process.env, OPERATOR_TOKEN: operator.token },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/rebuild [0-9a-f-]{36} started/);
    expect(stdout).toMatch(/done: \d+ events .* \d+ events\/s/);
    const refused = await promisify(execFile)(process.execPath, [...REBUILD_SCRIPT, url], {
      env: { ...process.env, OPERATOR_TOKEN: owner.token },
      timeout: 60_000,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('operator-only') });
    // Signing in itself (a recovery code for the second factor), it signs that session out at the end.
    const signingIn = await promisify(execFile)(process.execPath, [...REBUILD_SCRIPT, url], {
      env: signingInWith(operator.recoveryCodes[0]!),
      timeout: 60_000,
    });
    expect(signingIn.stdout).toMatch(/done: \d+ events/);
    expect(signingIn.stdout).toContain('signed out of the session it opened');
    // Interrupted (Ctrl-C) once signed in, it signs out too, then stops; the signal again (npm passes Ctrl-C on to
    // the script it runs) does not cut that short.
    const interrupted = spawn(process.execPath, [...REBUILD_SCRIPT, url], {
      env: signingInWith(operator.recoveryCodes[1]!),
    });
    try {
      let printed = '';
      interrupted.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes('signed in\n') && !interrupted.killed) {
          interrupted.kill('SIGINT');
          setTimeout(() => interrupted.kill('SIGINT'), 20);
        }
      });
      const exitCode = await new Promise((resolve) => interrupted.once('close', resolve));
      expect([exitCode, printed]).toEqual([
        130,
        expect.stringContaining('signed out of the session it opened'),
      ]);
    } finally {
      if (interrupted.exitCode === null) interrupted.kill('SIGKILL');
    }
    // An operator's password and code are not sent in the clear to another machine.
    for (const elsewhere of ['http://gateway.example:3000', 'http://127.0.0.1.gateway.example:3000']) {
      const inTheClear = await promisify(execFile)(process.execPath, [...REBUILD_SCRIPT, elsewhere], {
        env: { ...process.env, OPERATOR_TOKEN: operator.token },
        timeout: 60_000,
      }).catch((error: { code: number; stderr: string }) => error);
      expect(inTheClear).toMatchObject({ code: 1, stderr: expect.stringContaining('unencrypted') });
    }
  }, 180_000);

  async function listening(): Promise<number> {
    const server = platform.gateway.getHttpServer();
    if (!server.listening) await platform.gateway.listen(0, '127.0.0.1');
    return (server.address() as AddressInfo).port;
  }
});
