import { randomUUID } from 'node:crypto';
import { infraEnv, waitFor } from '@app/testing';
import { bearer, PASSWORD, startPlatform, type Platform, type SignedIn } from './platform.testing';

/** Someone in more than a thousand organizations: what reads their memberships sees every one of them. */
describe('an account in more than a thousand organizations', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform();
  }, 120_000);
  afterAll(() => platform?.close());

  const http = () => platform.http;
  /**
   * Made `count` at a time eight by eight; under load an answer may come before the read models show it (202), or the
   * command may outlast the gateway's wait (503 with Retry-After), which a client retries under the same key.
   */
  const createOrgs = async (owner: SignedIn, count: number): Promise<string[]> => {
    const ids: string[] = [];
    const create = async (at: number) => {
      const key = `org-${at}-${randomUUID()}`;
      for (let attempt = 1; ; attempt++) {
        const res = await http()
          .post('/v1/orgs')
          .set(bearer(owner))
          .set('idempotency-key', key)
          .send({ name: `Org ${at}` });
        if (res.status !== 503 || attempt === 3) return res;
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
        await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(res.headers['retry-after'])));
      }
    };
    const next = async (): Promise<void> => {
      while (ids.length < count) {
        ids.push('');
        const at = ids.length - 1;
        const res = await create(at);
        expect([201, 202]).toContain(res.status);
        ids[at] = String(res.headers.location).split('/').pop()!;
      }
    };
    await Promise.all(Array.from({ length: 8 }, next));
    return ids;
  };

  // On the embedded default only: on Kafka and FerretDB a thousand organizations take minutes and starve the suites
  // running beside them. Paging through a MongoDB-protocol store is the read-store contract's to show there.
  const embeddedOnly = infraEnv.kafkaBrokers || infraEnv.mongoUrl ? it.skip : it;

  embeddedOnly(
    'R10, R22: an organization requiring a second factor is found among them all; my organizations lists them all',
    async () => {
      const gina = await platform.enrollTwoFactor(await platform.signUp('Gina'));
      // Listed after a thousand others (lists go in id order): made until its id sorts near the end.
      let guarded = await platform.createOrg(gina, 'Guarded');
      while (!guarded.startsWith('f')) {
        await http().delete(`/v1/orgs/${guarded}`).set(bearer(gina)).expect(204);
        guarded = await platform.createOrg(gina, 'Guarded');
      }
      const noah = await platform.join(gina, guarded, 'Noah');
      await http()
        .patch(`/v1/orgs/${guarded}`)
        .set(bearer(gina))
        .send({ requireTwoFactor: true })
        .expect(200);
      await http()
        .post(`/v1/orgs/${guarded}/ownership-transfer`)
        .set(bearer(gina))
        .send({ newOwnerId: noah.userId })
        .expect(200);
      const owned = [guarded];
      while (owned.filter((orgId) => orgId < guarded).length < 1_000)
        owned.push(...(await createOrgs(noah, 1_000 - owned.filter((orgId) => orgId < guarded).length)));

      const mine = await waitFor(
        async () => {
          const res = await http().get('/v1/me/organizations').set(bearer(noah)).expect(200);
          return res.body.items.length >= owned.length ? res : undefined;
        },
        { timeoutMs: 60_000, what: 'every organization in my organizations' },
      );
      expect(mine.body.items.map((o: { orgId: string }) => o.orgId).sort()).toEqual([...owned].sort());

      const refused = await http()
        .delete('/v1/me')
        .set(bearer(noah))
        .send({ password: PASSWORD, confirmOwnedOrganizations: true });
      expect([refused.status, refused.body.code, refused.body.orgId]).toEqual([
        403,
        'two-factor-required',
        guarded,
      ]);
      // Nothing was deleted: the organization, and the account.
      expect((await http().get(`/v1/orgs/${guarded}`).set(bearer(gina)).expect(200)).body.ownerId).toBe(
        noah.userId,
      );
      await http().get('/v1/me').set(bearer(noah)).expect(200);
    },
    180_000,
  );
});
