import { ProjectionFeed } from '../apps/gateway/src/read-models/projection-feed';
import { waitFor } from '@app/testing';
import { bearer, startPlatform, type Platform } from './platform.testing';

/**
 * Read-your-writes: a command's answer waits until the read models show it, within READ_YOUR_WRITES_MS;
 * beyond it, 202 with the revision, the routes that answer 204 included. The feed is held to make them lag.
 */
describe('read-your-writes', () => {
  let platform: Platform;

  beforeAll(async () => {
    // The default bound: short enough to wait out while the feed is held, long enough for a command to be shown in
    // time on Kafka too.
    platform = await startPlatform({ gateway: { readYourWritesMs: 2_000 } });
  }, 120_000);
  afterAll(() => platform?.close());

  /** Runs `work` while the gateway's projection feed applies nothing. */
  async function lagging<T>(work: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    void platform.gateway.get(ProjectionFeed).exclusive(() => held);
    try {
      return await work();
    } finally {
      release();
    }
  }

  it('a command shown in time answers as usual: 201 with the team, 204 for its deletion', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada);
    const created = await platform.http
      .post(`/v1/orgs/${orgId}/teams`)
      .set(bearer(ada))
      .send({ name: 'Shown' })
      .expect(201);
    const deleted = await platform.http
      .delete(`/v1/orgs/${orgId}/teams/${created.body.teamId}`)
      .set(bearer(ada));
    expect([deleted.status, deleted.text]).toEqual([204, '']);
  });

  it('read models lagging beyond the bound: 202 with the revision, for a creation and for a deletion (204 route)', async () => {
    const bob = await platform.signUp('Bob');
    const orgId = await platform.createOrg(bob);
    const created = await lagging(() =>
      platform.http.post(`/v1/orgs/${orgId}/teams`).set(bearer(bob)).send({ name: 'Late' }),
    );
    // The 202 names the team it created, as Location does: the client can follow it without looking for it.
    const teamId = created.body.teamId as string;
    expect([created.status, created.body, created.headers.location]).toEqual([
      202,
      { status: 'accepted', revision: expect.any(String), teamId: expect.any(String) },
      `/v1/orgs/${orgId}/teams/${teamId}`,
    ]);
    await waitFor(
      async () =>
        (await platform.http.get(`/v1/orgs/${orgId}/teams/${teamId}`).set(bearer(bob))).body.name === 'Late',
      { what: 'the team shown once the feed goes on' },
    );

    const deleted = await lagging(() =>
      platform.http.delete(`/v1/orgs/${orgId}/teams/${teamId}`).set(bearer(bob)),
    );
    expect([deleted.status, deleted.body]).toEqual([
      202,
      { status: 'accepted', revision: String(Number(created.body.revision) + 1) },
    ]);
    await waitFor(
      async () =>
        (await platform.http.get(`/v1/orgs/${orgId}/teams/${teamId}`).set(bearer(bob))).status === 404,
      { what: 'the deletion shown once the feed goes on' },
    );
  });

  it('a creation answered 202 names what it created: the organization, the invitation', async () => {
    const eve = await platform.signUp('Eve');
    const org = await lagging(() =>
      platform.http.post('/v1/orgs').set(bearer(eve)).send({ name: 'Lagging' }),
    );
    const orgId = org.body.orgId as string;
    expect([org.status, org.body, org.headers.location]).toEqual([
      202,
      { status: 'accepted', revision: '0', orgId: expect.any(String) },
      `/v1/orgs/${orgId}`,
    ]);
    await waitFor(
      async () => (await platform.http.get(`/v1/orgs/${orgId}`).set(bearer(eve))).body.name === 'Lagging',
      { what: 'the organization shown once the feed goes on' },
    );

    const invited = await lagging(() =>
      platform.http
        .post(`/v1/orgs/${orgId}/invitations`)
        .set(bearer(eve))
        .send({ email: `invitee-${Date.now()}@example.com`, role: 'user', send: false }),
    );
    const invitationId = invited.body.invitationId as string;
    expect([invited.status, invited.body, invited.headers.location]).toEqual([
      202,
      { status: 'accepted', revision: expect.any(String), invitationId: expect.any(String) },
      `/v1/orgs/${orgId}/invitations/${invitationId}`,
    ]);
    await waitFor(
      async () =>
        (await platform.http.get(`/v1/orgs/${orgId}/invitations/${invitationId}`).set(bearer(eve))).status ===
        200,
      { what: 'the invitation shown once the feed goes on' },
    );
  });

  it('R21: a roster at an instant after the last projected event waits for the events before it, or is a 503', async () => {
    const cleo = await platform.signUp('Cleo');
    const orgId = await platform.createOrg(cleo);
    const dan = await platform.join(cleo, orgId, 'Dan');
    const roster = (at: string) =>
      platform.http.get(`/v1/orgs/${orgId}/audit/roster`).query({ at }).set(bearer(cleo));
    const roleOf = (body: { members: { userId: string; role: string }[] }) =>
      body.members.find((m) => m.userId === dan.userId)?.role;

    const beforeTeam = new Date().toISOString();
    await platform.http.post(`/v1/orgs/${orgId}/teams`).set(bearer(cleo)).send({ name: 'Night' }).expect(201);

    const [unanswered, past] = await lagging(async () => {
      const promoted = await platform.http
        .patch(`/v1/orgs/${orgId}/members/${dan.userId}`)
        .set(bearer(cleo))
        .send({ role: 'admin' });
      expect(promoted.status).toBe(202);
      return [await roster(new Date().toISOString()), await roster(beforeTeam)];
    });
    // An instant before the last projected event (the team's) is answered at once, lag or not.
    expect([past.status, roleOf(past.body)]).toEqual([200, 'user']);
    expect([unanswered.status, unanswered.body.code, unanswered.headers['retry-after']]).toEqual([
      503,
      'service-unavailable',
      '1',
    ]);

    const now = new Date().toISOString();
    const answered = await roster(now).expect(200);
    expect([answered.body.at, roleOf(answered.body)]).toEqual([now, 'admin']);
    // An instant still to come is answered as now, and says so.
    const future = await roster('2999-01-01T00:00:00.000Z').expect(200);
    expect(future.body.at < '2999-01-01').toBe(true);
    expect(roleOf(future.body)).toBe('admin');
  });
});
