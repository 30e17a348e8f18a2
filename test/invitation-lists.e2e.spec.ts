import { randomUUID } from 'node:crypto';
import { bearer, startPlatform, type Platform, type SignedIn } from './platform.testing';

const LIFETIME_MS = 10_000;

/** R5, R7: invitations past their lifetime, before the sweep records them, list and act as expired. */
describe('invitations past their expiry, before the sweep', () => {
  let platform: Platform;
  let ada: SignedIn;
  let orgId: string;
  beforeAll(async () => {
    // A sweep that does not come during the test, and a lifetime short enough to wait out once but long enough that
    // the invitations made after the wait stay pending through the rest of the test on a slow bus.
    platform = await startPlatform({
      membership: { invitationLifetimeMs: LIFETIME_MS, invitationExpirySweepMs: 600_000 },
    });
    ada = await platform.signUp('Ada');
    orgId = await platform.createOrg(ada);
  }, 120_000);
  afterAll(() => platform?.close());

  const http = () => platform.http;
  const invite = async (email: string, send = true) =>
    (
      await http()
        .post(`/v1/orgs/${orgId}/invitations`)
        .set(bearer(ada))
        .send({ email, role: 'user', send })
        .expect(201)
    ).body.invitationId as string;
  /** Every page of a status, one invitation a page: no page may be empty while another follows. */
  const walk = async (status: string) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await http()
        .get(`/v1/orgs/${orgId}/invitations?status=${status}&limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .set(bearer(ada))
        .expect(200);
      if (page.body.nextCursor) expect(page.body.items).toHaveLength(1);
      ids.push(...page.body.items.map((i: { invitationId: string }) => i.invitationId));
      cursor = page.body.nextCursor;
    } while (cursor);
    return ids.sort();
  };

  it('list page by page with no empty pages; the person is invited afresh; revoking one is refused', async () => {
    const address = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;
    const lapsedAddress = address('lapsed');
    const lapsed = [
      await invite(lapsedAddress),
      await invite(address('old')),
      await invite(address('older')),
    ];
    // R6: one never sent has no link to lapse, however old.
    const unsent = await invite(address('unsent'), false);
    await new Promise((resolve) => setTimeout(resolve, LIFETIME_MS + 200));
    const fresh = [await invite(address('new')), await invite(address('newer'))];

    expect(await walk('expired')).toEqual([...lapsed].sort());
    expect(await walk('pending')).toEqual([...fresh, unsent].sort());
    const waiting = await http().get(`/v1/orgs/${orgId}/invitations/${unsent}`).set(bearer(ada)).expect(200);
    expect([waiting.body.status, waiting.body.sent, 'expiresAt' in waiting.body]).toEqual([
      'pending',
      false,
      false,
    ]);

    // Expired is one answer whatever is asked of it.
    const revoked = await http().delete(`/v1/orgs/${orgId}/invitations/${lapsed[1]}`).set(bearer(ada));
    expect([revoked.status, revoked.body.code]).toEqual([410, 'invitation-expired']);
    const again = await invite(lapsedAddress);
    const one = await http().get(`/v1/orgs/${orgId}/invitations/${lapsed[0]}`).set(bearer(ada)).expect(200);
    expect(one.body.status).toBe('expired');
    expect(await walk('pending')).toEqual([...fresh, unsent, again].sort());
    // Sent at last, it lapses a lifetime after the send.
    const sent = await http()
      .post(`/v1/orgs/${orgId}/invitations/${unsent}/send`)
      .set(bearer(ada))
      .expect(200);
    expect(Date.parse(sent.body.expiresAt)).toBeGreaterThan(Date.now());
  }, 45_000);
});
