import { randomUUID } from 'node:crypto';
import { EventStoreDBClient } from '@eventstore/db-client';
import { readLastEvent } from '@app/event-store';
import { readInfrastructureConfig } from '@app/platform';
import { waitFor } from '@app/testing';
import { partitionOf } from '../libs/messaging/src/in-process-bus';
import { bearer, startPlatform, type Platform } from './platform.testing';

/**
 * R7 at the size the API allows: the rows are invited one by one, each appended on its own, so an import's wait grows
 * with its rows (`IMPORT_ROW_MS`) where one command's is `COMMAND_TIMEOUT_MS`.
 */
describe('an import of the largest size allowed', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform();
  }, 120_000);
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

/** R7 and the README's retries: an import is one request under its `Idempotency-Key`, as every write is. */
describe('an import under an Idempotency-Key', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform();
  }, 120_000);
  afterAll(() => platform?.close());

  it('the same key with the same file answers as the first time; with another file or another request it is 409, nothing invited', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Keys');
    const batch = randomUUID().slice(0, 8);
    const [a, b, c] = ['a', 'b', 'c'].map((who) => `${who}-${batch}@example.com`);
    const importing = (key: string, emails: string[]) =>
      platform.http
        .post(`/v1/orgs/${orgId}/invitations/import`)
        .set(bearer(ada))
        .set('Idempotency-Key', key)
        .send({ rows: emails.map((email) => ({ email, role: 'user' })), send: false });
    const pending = async () =>
      (
        await platform.http.get(`/v1/orgs/${orgId}/invitations?status=pending`).set(bearer(ada)).expect(200)
      ).body.items
        .map((i: { email: string }) => i.email)
        .sort();
    const revision = async () =>
      (await platform.http.get(`/v1/orgs/${orgId}/audit/events?limit=1`).set(bearer(ada))).body;

    const key = `import-${batch}`;
    const first = await importing(key, [a, b]).expect(200);
    expect(first.body.results.map((r: { status: string }) => r.status)).toEqual(['invited', 'invited']);
    const before = await pending();
    const history = await revision();
    // A lost answer, asked again: the same answer, nothing more recorded.
    const again = await importing(key, [a, b]).expect(200);
    expect(again.body).toEqual(first.body);
    // Another file under the key: refused whole, whether it adds a row, reorders them or names someone else.
    for (const other of [
      [a, b, c],
      [b, a],
      [a, c],
    ]) {
      const refused = await importing(key, other);
      expect([other, refused.status, refused.body.code]).toEqual([other, 409, 'command-id-reused']);
    }
    expect(await pending()).toEqual(before);
    expect(await revision()).toEqual(history);

    // A key whose first row changed nothing (already invited on the same terms) is still the import's: the rows it
    // recorded under the key keep another file out.
    const unchangedFirst = `unchanged-first-${batch}`;
    const [d, e] = [`d-${batch}@example.com`, `e-${batch}@example.com`];
    const firstRows = (await importing(unchangedFirst, [a, d]).expect(200)).body.results;
    expect(firstRows.map((r: { status: string }) => r.status)).toEqual(['unchanged', 'invited']);
    const otherFile = await importing(unchangedFirst, [e]);
    expect([otherFile.status, otherFile.body.code]).toEqual([409, 'command-id-reused']);
    expect(await pending()).toEqual([...before, d].sort());

    // A key is one request on every route: a team's key refuses an import, an import's key a team.
    const teamKey = `team-${batch}`;
    await platform.http
      .post(`/v1/orgs/${orgId}/teams`)
      .set(bearer(ada))
      .set('Idempotency-Key', teamKey)
      .send({ name: 'Night shift' })
      .expect(201);
    expect((await importing(teamKey, [c])).status).toBe(409);
    const teamAfterImport = await platform.http
      .post(`/v1/orgs/${orgId}/teams`)
      .set(bearer(ada))
      .set('Idempotency-Key', key)
      .send({ name: 'Day shift' });
    expect([teamAfterImport.status, teamAfterImport.body.code]).toEqual([409, 'command-id-reused']);
    expect(await pending()).toEqual([...before, d].sort());
  });
});

/** Commands of different organizations are handled side by side, an import's too. */
describe('an import beside another organization’s commands', () => {
  let platform: Platform;
  beforeAll(async () => {
    // On FerretDB the read models take a while over 1,000 rows (the platform's read-your-writes bound allows for it):
    // what is checked is the order the bus handled things in.
    platform = await startPlatform();
  }, 120_000);
  afterAll(() => platform?.close());

  it('R7: an import does not hold up another organization’s command behind it in the bus partition they share', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Importing');
    const bob = await platform.signUp('Bob');
    const partitions = readInfrastructureConfig().topicPartitions;
    let neighbour: string;
    do neighbour = await platform.createOrg(bob, 'Neighbour');
    while (partitionOf(neighbour, partitions) !== partitionOf(orgId, partitions));
    const batch = randomUUID().slice(0, 8);
    const csv = [
      'email,role',
      ...Array.from({ length: 1_000 }, (_, i) => `n${i}-${batch}@example.com,user`),
    ].join('\n');
    const client = EventStoreDBClient.connectionString(platform.store.connectionString);
    try {
      const lastOf = async (stream: string) => (await readLastEvent(client, stream))!.event!;
      const createdAt = (await lastOf(`organization-${orgId}`)).revision;
      const importing = platform.http
        .post(`/v1/orgs/${orgId}/invitations/import?send=false`)
        .set(bearer(ada))
        .set('content-type', 'text/csv')
        .send(csv)
        .then((res) => res); // sent now, not when awaited
      // Under way: its first rows are recorded. Looked at in the event store, not in the read models: on Kafka with
      // FerretDB they can lag behind by more than the whole import takes.
      await waitFor(async () => (await lastOf(`organization-${orgId}`)).revision > createdAt, {
        timeoutMs: 20_000,
        intervalMs: 5,
        what: 'the import to be under way',
      });
      const team = await platform.http
        .post(`/v1/orgs/${neighbour}/teams`)
        .set(bearer(bob))
        .send({ name: 'Ops' });
      // Done (201), or done with the read models still projecting the import's rows (202, on FerretDB).
      expect([201, 202]).toContain(team.status);
      expect((await importing).status).toBe(200);
      // The team was recorded while the import's rows still were: before its last one in the event store's order.
      expect((await lastOf(`organization-${neighbour}`)).position!.commit).toBeLessThan(
        (await lastOf(`organization-${orgId}`)).position!.commit,
      );
    } finally {
      await client.dispose();
    }
  }, 90_000);
});
