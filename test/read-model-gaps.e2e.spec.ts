import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
import { loadPermissionsCatalog } from '@app/permissions';
import { type PersonalData } from '@app/personal-data';
import { PERSONAL_DATA } from '@app/platform';
import { InMemoryReadStore } from '@app/read-store';
import { EventStoreHistory } from '../apps/gateway/src/read-models/aggregate-history';
import { ReadModelProjector } from '../apps/gateway/src/read-models/projector';
import { findAll, readModelsOf, type ReadModels } from '../apps/gateway/src/read-models/read-models';
import { projectFromEventStore } from '../apps/gateway/src/read-models/rebuild';
import { directTarget } from '../apps/gateway/src/read-models/staged-read-models';
import { bearer, startPlatform, type Platform } from './platform.testing';

/**
 * An event that reaches the read models after a gap (revisions they never saw: written into collections a rebuild
 * had just retired, or lost on the way) has the missing revisions read back from the event store and applied first.
 */
describe('read models: an event after a gap in its aggregate’s revisions', () => {
  let platform: Platform;
  let client: EventStoreDBClient;
  let orgId: string;
  let adaId: string;
  let bobId: string;

  beforeAll(async () => {
    platform = await startPlatform();
    client = EventStoreDBClient.connectionString(platform.store.connectionString);
    const ada = await platform.signUp('Ada');
    adaId = ada.userId;
    orgId = await platform.createOrg(ada, 'Gaps');
    const bob = await platform.join(ada, orgId, 'Bob');
    bobId = bob.userId;
    await platform.http
      .patch(`/v1/orgs/${orgId}/members/${bobId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    await platform.http.patch('/v1/me').set(bearer(bob)).send({ name: 'Bob Renamed' }).expect(200);
  }, 120_000);
  afterAll(async () => {
    await client?.dispose();
    await platform?.close();
  });

  const personalData = () => platform.gateway.get<PersonalData>(PERSONAL_DATA);
  const history = () => new EventStoreHistory(client, personalData());
  const projectorOver = (models: ReadModels, withHistory: boolean) =>
    new ReadModelProjector(
      models,
      loadPermissionsCatalog({}),
      personalData().addresses,
      withHistory ? history() : undefined,
    );

  async function lastEventOf(kind: 'organization' | 'user', id: string) {
    let revision = 0;
    for await (const resolved of client.readStream(`${kind}-${id}`, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: 1,
    }))
      revision = Number(resolved.event!.revision);
    const [envelope] = await history().read(kind, id, revision, revision);
    return envelope!;
  }

  /** What the organization's documents hold, in a store, without the store's own bookkeeping. */
  async function organizationIn(models: ReadModels) {
    const inOrg = { where: { orgId } };
    return {
      org: await models.organizations.get(orgId),
      members: await findAll(models.members, inOrg),
      intervals: await findAll(models.roleIntervals, inOrg),
      audit: await findAll(models.auditEvents, inOrg),
      users: [await models.users.get(adaId), await models.users.get(bobId)],
    };
  }

  it('only the last events delivered: the missing ones are read back, and the models equal a full replay', async () => {
    const replayed = readModelsOf(new InMemoryReadStore());
    await projectFromEventStore(client, directTarget(replayed), loadPermissionsCatalog({}), personalData());
    const models = readModelsOf(new InMemoryReadStore());
    const projector = projectorOver(models, true);
    const lastOrgEvent = await lastEventOf('organization', orgId);
    const lastBobEvent = await lastEventOf('user', bobId);
    expect(Number(lastOrgEvent.revision)).toBeGreaterThan(1);
    expect(Number(lastBobEvent.revision)).toBeGreaterThan(0);

    // The members' documents carry their users' names: their users' last events come first.
    await projector.apply(await lastEventOf('user', adaId));
    await projector.apply(lastBobEvent);
    await projector.apply(lastOrgEvent);

    const filled = await organizationIn(models);
    expect(filled.org?.revision).toBe(Number(lastOrgEvent.revision));
    expect(filled.members.find((m) => m.userId === bobId)).toMatchObject({
      role: 'admin',
      name: 'Bob Renamed',
    });
    expect(filled).toEqual(await organizationIn(replayed));
  });

  it('a gap in the middle: the models hold the first events, miss the ones after, and get the last', async () => {
    const replayed = readModelsOf(new InMemoryReadStore());
    await projectFromEventStore(client, directTarget(replayed), loadPermissionsCatalog({}), personalData());
    const models = readModelsOf(new InMemoryReadStore());
    const projector = projectorOver(models, true);
    for (const [kind, id] of [
      ['user', adaId],
      ['user', bobId],
      ['organization', orgId],
    ] as const) {
      const [first] = await history().read(kind, id, 0, 0);
      await projector.apply(first!);
    }
    expect((await organizationIn(models)).members.map((m) => m.userId)).toEqual([adaId]);

    for (const [kind, id] of [
      ['user', adaId],
      ['user', bobId],
      ['organization', orgId],
    ] as const)
      await projector.apply(await lastEventOf(kind, id));

    expect(await organizationIn(models)).toEqual(await organizationIn(replayed));
  });

  it('without the history, such an event is dropped (what the models did before), so the test above needs it', async () => {
    const models = readModelsOf(new InMemoryReadStore());
    await projectorOver(models, false).apply(await lastEventOf('organization', orgId));
    expect(await models.organizations.get(orgId)).toBeNull();
    expect(await findAll(models.members, { where: { orgId } })).toEqual([]);
  });

  it('an aggregate the event store does not have: the event alone, as before', async () => {
    const models = readModelsOf(new InMemoryReadStore());
    const envelope = { ...(await lastEventOf('user', bobId)), subject: 'nobody-recorded-this' };
    await projectorOver(models, true).apply(envelope);
    expect(await models.users.get('nobody-recorded-this')).toBeNull();
    expect(await findAll(models.members, { where: { userId: 'nobody-recorded-this' } })).toEqual([]);
  });
});
