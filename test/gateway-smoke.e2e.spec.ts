import { bearer, startPlatform, type Platform } from './platform.testing';

describe('gateway smoke', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform();
  }, 60_000);
  afterAll(() => platform?.close());

  it('sign up, create an organization, read it', async () => {
    const ada = await platform.signUp('Ada');
    const created = await platform.http.post('/v1/orgs').set(bearer(ada)).send({ name: 'Acme' });
    console.log(created.status, JSON.stringify(created.body));
    const orgId = created.body.orgId;
    const read = await platform.http.get(`/v1/orgs/${orgId}`).set(bearer(ada));
    console.log(read.status, JSON.stringify(read.body));
    const members = await platform.http.get(`/v1/orgs/${orgId}/members`).set(bearer(ada));
    console.log(members.status, JSON.stringify(members.body));
    const me = await platform.http.get(`/v1/me`).set(bearer(ada));
    console.log(me.status, JSON.stringify(me.body));
  });
});
