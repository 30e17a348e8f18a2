import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent, NO_STREAM } from '@eventstore/db-client';
import { defaultCatalog } from '@app/permissions';
import { type PersonalData } from '@app/personal-data';
import { PERSONAL_DATA } from '@app/platform';
import { READ_STORE, type MongoReadStore } from '@app/read-store';
import { describeIf, infraEnv, waitFor } from '@app/testing';
import { EventStoreHistory } from '../apps/gateway/src/read-models/aggregate-history';
import {
  COLLECTIONS,
  INDEXES,
  orgScoped,
  type CollectionName,
} from '../apps/gateway/src/read-models/documents';
import { ProjectionFeed } from '../apps/gateway/src/read-models/projection-feed';
import { ReadModelProjector } from '../apps/gateway/src/read-models/projector';
import { collectionsBy, readModelsOf } from '../apps/gateway/src/read-models/read-models';
import { startPlatform, type Platform } from './platform.testing';

const metadata = { correlationId: 'c', causationId: 'c', actor: 'system', schemaVersion: 1, commandId: 'x' };

/**
 * On MongoDB several gateway replicas share the read models; a rebuild on one switches the collections' aliases,
 * which the others have cached for up to a second. What they write meanwhile lands in the retired collections.
 */
describeIf(infraEnv.mongoUrl)(
  'read-model rebuild, with another replica still on the retired collections',
  () => {
    let platform: Platform;
    let client: EventStoreDBClient;
    // Membership's relay does not run here: an organization event reaches the read models only as the test delivers it.
    beforeAll(async () => {
      platform = await startPlatform({ withoutMembership: true });
      client = EventStoreDBClient.connectionString(platform.store.connectionString);
    }, 120_000);
    afterAll(async () => {
      await client?.dispose();
      await platform?.close();
    });

    it('what that replica applied there just after the switch reaches the new collections before the rebuild ends', async () => {
      const store = platform.gateway.get<MongoReadStore>(READ_STORE);
      const feed = platform.gateway.get(ProjectionFeed);
      const personalData = platform.gateway.get<PersonalData>(PERSONAL_DATA);
      const aliases = store.connection.collection<{ _id: string; physical: string }>('read_model_aliases');
      const physicalOf = async (name: CollectionName) => (await aliases.findOne({ _id: name }))?.physical;
      await feed.rebuild(); // every collection behind an alias from here on
      const current = new Map<CollectionName, string>();
      for (const name of Object.values(COLLECTIONS)) current.set(name, (await physicalOf(name))!);
      // The other replica: its cached aliases name today's collections, which the next rebuild retires.
      const staleReplica = new ReadModelProjector(
        collectionsBy((name) => store.collection(current.get(name)!, { indexes: INDEXES[name] })),
        defaultCatalog,
        personalData.addresses,
      );

      const rebuilding = feed.rebuild();
      await waitFor(
        async () => (await physicalOf(COLLECTIONS.organizations)) !== current.get(COLLECTIONS.organizations),
        { timeoutMs: 60_000, intervalMs: 5, what: 'the switch' },
      );
      const orgId = randomUUID();
      const ownerId = randomUUID();
      const at = new Date().toISOString();
      await client.appendToStream(
        `organization-${orgId}`,
        jsonEvent({
          type: 'OrganizationCreated',
          data: { orgId, name: 'Late', plan: 'free', ownerId, actorId: ownerId, at },
          metadata,
        }),
        { expectedRevision: NO_STREAM },
      );
      const [created] = await new EventStoreHistory(client, personalData).read('organization', orgId, 0, 0);
      await staleReplica.apply(created!);
      // The premise: it went where nobody reads any more.
      const retiredOrgs = store.collection(current.get(COLLECTIONS.organizations)!);
      expect(await retiredOrgs.get(orgId)).toMatchObject({ name: 'Late' });

      await rebuilding;
      const live = readModelsOf(store);
      expect(await live.organizations.get(orgId)).toMatchObject({ name: 'Late', revision: 0, ownerId });
      expect(await live.members.get(orgScoped(orgId, ownerId))).toMatchObject({ role: 'owner', revision: 0 });
    }, 120_000);
  },
);
