import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { loadPermissionsCatalog } from '@app/permissions';
import { acquirePersonalData, releasePersonalData, type PersonalData } from '@app/personal-data';
import { InMemoryReadStore } from '@app/read-store';
import { makeTempDir } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { EventStoreHistory } from './aggregate-history';
import { readModelsOf } from './read-models';
import { projectFromEventStore } from './rebuild';
import { directTarget } from './staged-read-models';

/**
 * An event the store holds that its own contract refuses (recorded by a fault; the relay keeps it off the topics):
 * no projection can apply it. A pass over the store leaves it out and reports it instead of failing for ever (the
 * gateway would never become ready), and a gap fill treats it as a revision it cannot read.
 */
describe('an event its contract refuses, in the event store', () => {
  const es = useTestEventStore();
  let personalData: PersonalData;
  beforeAll(async () => {
    personalData = await acquirePersonalData({ dataDir: await makeTempDir('invalid-events') });
  });
  afterAll(() => releasePersonalData(personalData));

  const orgId = randomUUID();
  const metadata = {
    correlationId: 'c',
    causationId: 'c',
    actor: 'owner',
    schemaVersion: 1,
    commandId: 'c',
    tenant: orgId,
  };
  const recorded = (type: string, data: Record<string, unknown>) =>
    jsonEvent({ type, data: { orgId, actorId: 'owner', at: new Date().toISOString(), ...data }, metadata });

  beforeAll(async () => {
    await es.client.appendToStream(`organization-${orgId}`, [
      recorded('OrganizationCreated', { name: 'Acme', ownerId: 'owner', plan: 'standard' }),
      // Without the invitations and keys its contract requires, its projection throws.
      recorded('InviteeErased', {}),
      recorded('SettingsUpdated', {
        name: 'Acme 2',
        autoJoin: false,
        membersMayEditOwnAvailability: true,
        requireTwoFactor: false,
      }),
    ]);
  });

  it('is left out of a pass over the store and reported; the events after it are projected', async () => {
    const models = readModelsOf(new InMemoryReadStore());
    const projected = await projectFromEventStore(
      es.client,
      directTarget(models),
      loadPermissionsCatalog({}),
      personalData,
    );
    expect(projected.skipped).toEqual([
      {
        subject: orgId,
        revision: 1,
        type: 'membership.InviteeErased.v1',
        errors: expect.arrayContaining([expect.stringContaining('invitationIds')]),
      },
    ]);
    expect(await models.organizations.get(orgId)).toMatchObject({ revision: 2, name: 'Acme 2' });
  });

  it('a gap fill over it reads nothing (a gap it cannot fill), and over valid revisions reads them', async () => {
    const history = new EventStoreHistory(es.client, personalData);
    expect(await history.read('organization', orgId, 1, 2)).toEqual([]);
    expect((await history.read('organization', orgId, 2, 2)).map((e) => e.type)).toEqual([
      'membership.SettingsUpdated.v1',
    ]);
  });

  it('an event of a type this release does not know (a newer producer’s) is no fault: a gap fill reads it', async () => {
    const newer = randomUUID();
    await es.client.appendToStream(`organization-${newer}`, [
      jsonEvent({
        type: 'OrganizationCreated',
        data: {
          orgId: newer,
          actorId: 'owner',
          at: new Date().toISOString(),
          name: 'N',
          ownerId: 'owner',
          plan: 'standard',
        },
        metadata: { ...metadata, tenant: newer },
      }),
      jsonEvent({
        type: 'SomethingAddedLater',
        data: { orgId: newer, actorId: 'owner', at: new Date().toISOString() },
        metadata: { ...metadata, tenant: newer },
      }),
    ]);
    const history = new EventStoreHistory(es.client, personalData);
    expect((await history.read('organization', newer, 0, 1)).map((e) => e.type)).toEqual([
      'membership.OrganizationCreated.v1',
      'membership.SomethingAddedLater.v1',
    ]);
  });
});
