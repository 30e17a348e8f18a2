import { randomUUID } from 'node:crypto';
import { bearer, startPlatform, type Platform } from './platform.testing';

/**
 * R7 at the size the API allows: the rows are invited one by one, each appended on its own, so an import's wait grows
 * with its rows (`IMPORT_ROW_MS`) where one command's is `COMMAND_TIMEOUT_MS`.
 */
describe('an import of the largest size allowed', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform();
  }, 60_000);
  afterAll(() => platform?.close());

  it('R7: 1,000 CSV rows are answered row by row under the default timeouts, not a 503 while the rows are done', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Big');
    const batch = randomUUID().slice(0, 8);
    const csv = [
      'email,role',
      ...Array.from({ length: 1_000 }, (_, i) => `p${i}-${batch}@example.com,user`),
    ].join('\n');
    const imported = await platform.http
      .post(`/v1/orgs/${orgId}/invitations/import?send=false`)
      .set(bearer(ada))
      .set('content-type', 'text/csv')
      .send(csv);
    expect(imported.status).toBe(200);
    const statuses = imported.body.results.map((r: { status: string }) => r.status);
    expect([statuses.length, new Set(statuses)]).toEqual([1_000, new Set(['invited'])]);
  }, 90_000);
});
