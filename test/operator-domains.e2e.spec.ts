import { randomUUID } from 'node:crypto';
import { bearer, startPlatformWithOperator, type Platform, type SignedIn } from './platform.testing';

/** R16: a claim is first come, first served; an operator settles a disputed one by releasing it. */
describe('operators releasing a disputed domain claim', () => {
  let platform: Platform;
  let opal: SignedIn;
  let operators: string[];
  beforeAll(async () => {
    ({ platform, operator: opal, operators } = await startPlatformWithOperator());
  }, 120_000);
  afterAll(() => platform?.close());

  const http = () => platform.http;
  const claim = (who: SignedIn, orgId: string, domain: string) =>
    http().post(`/v1/orgs/${orgId}/domains`).set(bearer(who)).send({ domain });
  const domainsOf = async (who: SignedIn, orgId: string) =>
    (await http().get(`/v1/orgs/${orgId}/domains`).set(bearer(who)).expect(200)).body.items;

  it('the holder loses the domain, its audit names the operator, and the rightful organization claims it', async () => {
    const domain = `${randomUUID().slice(0, 8)}.example.org`;
    // The squatter's organization even requires a second factor, which the operator's session has (R22).
    const squatter = await platform.enrollTwoFactor(await platform.signUp('Sam', `sam@${domain}`));
    const squatted = await platform.createOrg(squatter, 'Squat');
    await claim(squatter, squatted, domain).expect(201);
    await http()
      .patch(`/v1/orgs/${squatted}`)
      .set(bearer(squatter))
      .send({ requireTwoFactor: true })
      .expect(200);
    const owner = await platform.signUp('Ada', `ada@${domain}`);
    const rightful = await platform.createOrg(owner, 'Rightful');
    expect((await claim(owner, rightful, domain).expect(409)).body.code).toBe('domain-claimed');

    // Not for anyone but an operator, the holder included; and nothing changes when they try.
    for (const who of [squatter, owner]) {
      const refused = await http().delete(`/v1/operator/domains/${domain}`).set(bearer(who));
      expect([refused.status, refused.body.code]).toEqual([403, 'operator-only']);
    }
    expect(await domainsOf(squatter, squatted)).toEqual([{ domain }]);

    await http().delete(`/v1/operator/domains/${domain.toUpperCase()}`).set(bearer(opal)).expect(204);
    expect(await domainsOf(squatter, squatted)).toEqual([]);
    const audit = await http().get(`/v1/orgs/${squatted}/audit/events`).set(bearer(squatter)).expect(200);
    expect(audit.body.items.at(-1)).toMatchObject({ type: 'DomainReleased', actorId: opal.userId });
    expect((await claim(owner, rightful, domain).expect(201)).body.items).toEqual([{ domain }]);

    const unclaimed = await http().delete(`/v1/operator/domains/free-${domain}`).set(bearer(opal));
    expect([unclaimed.status, unclaimed.body.code]).toEqual([404, 'domain-not-claimed']);
    // What is no domain name is a 400 naming it, as the organization's own release answers it, not a 404.
    for (const notADomain of ['*', '%2e%2e', `${domain}.`, 'localhost']) {
      const refused = await http().delete(`/v1/operator/domains/${notADomain}`).set(bearer(opal));
      expect([notADomain, refused.status, refused.body.errors]).toEqual([
        notADomain,
        400,
        [{ field: 'domain', message: 'not a domain name' }],
      ]);
    }
  });

  it('a release repeated with its Idempotency-Key gets the first answer and releases nothing, whoever claimed the domain since', async () => {
    const domain = `${randomUUID().slice(0, 8)}.example.org`;
    const sam = await platform.signUp('Sam', `sam@${domain}`);
    const squatted = await platform.createOrg(sam, 'Squat');
    await claim(sam, squatted, domain).expect(201);
    const release = (key: string) =>
      http().delete(`/v1/operator/domains/${domain}`).set(bearer(opal)).set('Idempotency-Key', key);
    const key = `release-${randomUUID()}`;
    await release(key).expect(204);
    // Nobody holds it: the repeat is still the first answer, not domain-not-claimed.
    await release(key).expect(204);

    const ada = await platform.signUp('Ada', `ada@${domain}`);
    const rightful = await platform.createOrg(ada, 'Rightful');
    await claim(ada, rightful, domain).expect(201);
    const auditOf = async (orgId: string, who: SignedIn) =>
      (await http().get(`/v1/orgs/${orgId}/audit/events`).set(bearer(who)).expect(200)).body.items;
    const before = await auditOf(rightful, ada);
    await release(key).expect(204);
    expect(await domainsOf(ada, rightful)).toEqual([{ domain }]);
    expect(await auditOf(rightful, ada)).toEqual(before);
    expect(
      (await auditOf(squatted, sam)).filter((e: { type: string }) => e.type === 'DomainReleased'),
    ).toHaveLength(1);

    // Another key is another request: the new holder's claim is released.
    await release(`release-${randomUUID()}`).expect(204);
    expect(await domainsOf(ada, rightful)).toEqual([]);
  });

  it('the same release sent several times at once under one key: every answer is the first, one release recorded', async () => {
    const domain = `${randomUUID().slice(0, 8)}.example.org`;
    const sam = await platform.signUp('Sam', `sam@${domain}`);
    const squatted = await platform.createOrg(sam, 'Squat');
    await claim(sam, squatted, domain).expect(201);
    const ada = await platform.signUp('Ada', `ada@${domain}`);
    const rightful = await platform.createOrg(ada, 'Rightful');
    const key = `release-${randomUUID()}`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        // Spread over a few milliseconds, so some arrive while the first is being projected.
        new Promise((resolve) => setTimeout(resolve, i * 3)).then(() =>
          http().delete(`/v1/operator/domains/${domain}`).set(bearer(opal)).set('Idempotency-Key', key),
        ),
      ),
    );
    expect(answers.map((answer) => [answer.status, answer.body?.code])).toEqual(
      Array.from({ length: 6 }, () => [204, undefined]),
    );
    const audit = await http().get(`/v1/orgs/${squatted}/audit/events`).set(bearer(sam)).expect(200);
    expect(audit.body.items.filter((e: { type: string }) => e.type === 'DomainReleased')).toHaveLength(1);
    // Every 204 came after the claim was freed: the rightful organization claims the domain at once.
    await claim(ada, rightful, domain).expect(201);
  });

  it('a key the operator used for another request (deleting their own organization) is no repeat of a release', async () => {
    const domain = `${randomUUID().slice(0, 8)}.example.org`;
    const olga = await platform.enrollTwoFactor(await platform.signUp('Olga', `olga@${domain}`));
    operators.push(olga.userId);
    const own = await platform.createOrg(olga, 'Own');
    await claim(olga, own, domain).expect(201);
    const key = `key-${randomUUID()}`;
    // Deleting the organization frees its claim under the deletion's command id.
    await http().delete(`/v1/orgs/${own}`).set(bearer(olga)).set('Idempotency-Key', key).expect(204);
    const release = await http()
      .delete(`/v1/operator/domains/${domain}`)
      .set(bearer(olga))
      .set('Idempotency-Key', key);
    expect([release.status, release.body.code]).toEqual([404, 'domain-not-claimed']);
  });
});
