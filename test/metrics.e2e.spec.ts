import { waitFor } from '@app/testing';
import { bearer, startPlatform, type Platform } from './platform.testing';

/** The value of one series in a Prometheus text exposition: the sample whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => present.includes(`${k}="${v}"`))) total += Number(match[3]);
  }
  return total;
}

/** What operators watch moves with the work: commands, consumers and their lag, the relay, deliveries, HTTP. */
describe('metrics after a workload', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform();
  }, 120_000);
  afterAll(() => platform?.close());

  const scrape = async () => (await platform.http.get('/metrics').expect(200)).text;

  it('count commands by type and outcome, consumed messages with their lag, relayed events and deliveries', async () => {
    const before = await scrape();
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Metered');
    const bob = await platform.join(ada, orgId, 'Bob');
    await platform.http
      .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    await platform.http
      .patch(`/v1/orgs/${orgId}/members/${ada.userId}`)
      .set(bearer(ada))
      .send({ role: 'user' })
      .expect(422); // the only Owner cannot step down: a refusal
    const moved = (text: string, name: string, labels: Record<string, string>) =>
      sample(text, name, labels) - sample(before, name, labels);

    const after = await waitFor(
      async () => {
        const text = await scrape();
        return moved(text, 'notifications_deliveries_total', { channel: 'email', status: 'sent' }) >= 3
          ? text
          : undefined;
      },
      { what: 'the deliveries counted' },
    );
    const command = (name: string, outcome: string) => ({ service: 'membership', command: name, outcome });
    expect(moved(after, 'command_duration_seconds_count', command('ChangeMemberRole', 'ok'))).toBe(1);
    expect(moved(after, 'command_duration_seconds_count', command('ChangeMemberRole', 'refused'))).toBe(1);
    expect(
      moved(after, 'command_duration_seconds_count', {
        service: 'identity',
        command: 'Register',
        outcome: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      moved(after, 'bus_messages_handled_total', { group: platform.readModelGroup, outcome: 'handled' }),
    ).toBeGreaterThan(0);
    expect(after).toMatch(
      new RegExp(
        `bus_consumer_lag\\{group="${platform.readModelGroup}",topic="membership.organization.v1",partition="\\d+"\\} \\d+`,
      ),
    );
    expect(
      moved(after, 'relay_events_published_total', { relay: 'membership-relay' }),
    ).toBeGreaterThanOrEqual(4);
    expect(after).toMatch(/relay_lag_seconds\{relay="membership-relay"\} [\d.e-]+/);
    expect(
      moved(after, 'http_request_duration_seconds_count', {
        service: 'gateway',
        method: 'PATCH',
        route: '/v1/orgs/:orgId/members/:userId',
        status: '422',
      }),
    ).toBe(1);
  });
});
