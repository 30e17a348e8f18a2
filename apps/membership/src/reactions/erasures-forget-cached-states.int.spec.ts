import { randomUUID } from 'node:crypto';
import { TOPICS } from '@app/contracts';
import { AggregateStore } from '@app/event-store';
import { InProcessBus, subscribeToEvents, type Subscription } from '@app/messaging';
import { defaultCatalog } from '@app/permissions';
import { waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { trusted } from '../commands/membership-request';
import { OrganizationStreams, organizationStream } from '../commands/organization-streams';
import { forgetCachedStatesOnErasure } from './erasures-forget-cached-states';
import { identityEventMessage } from './identity-event.testing';

describe('erasure: every replica forgets the organization states it holds', () => {
  const eventStore = useTestEventStore();
  const bus = new InProcessBus();
  const subscriptions: Subscription[] = [];
  const orgId = randomUUID();
  /** Two membership replicas: each its own organization streams, both on one bus. */
  let replicas: OrganizationStreams[];

  const cached = (replica: OrganizationStreams) => {
    const entry = replica.aggregate.cache.take(organizationStream(orgId));
    if (entry) replica.aggregate.cache.put(organizationStream(orgId), entry);
    return entry !== undefined;
  };

  beforeAll(async () => {
    await bus.ensureTopics([{ topic: TOPICS.identityUsers }]);
    const store = new AggregateStore(eventStore.client);
    replicas = [0, 1].map(() => new OrganizationStreams(store, defaultCatalog, 100));
    await replicas[0]!.run(
      orgId,
      trusted({
        commandId: randomUUID(),
        orgId,
        actorId: 'ada',
        command: { type: 'CreateOrganization', name: 'A' },
      }),
      { type: 'CreateOrganization', orgId, name: 'A', actorId: 'ada', at: new Date().toISOString() },
    );
    for (const replica of replicas) subscriptions.push(await forgetCachedStatesOnErasure(bus, replica));
    // The reactions' shared group beside them, as membership runs it: it takes each event once.
    subscriptions.push(
      await subscribeToEvents(bus, {
        groupId: 'membership.identity-reactions',
        topics: [TOPICS.identityUsers],
        handler: async () => undefined,
      }),
    );
  });
  afterAll(async () => {
    for (const subscription of subscriptions) await subscription.close();
    await bus.close();
  });

  beforeEach(async () => {
    for (const replica of replicas) await replica.state(orgId);
    expect(replicas.map(cached)).toEqual([true, true]);
  });

  it('another identity event leaves the cached states as they are', async () => {
    const seen = new Promise<void>((resolve) => {
      void subscribeToEvents(bus, {
        groupId: `probe-${randomUUID()}`,
        topics: [TOPICS.identityUsers],
        ephemeral: true,
        handler: async () => resolve(),
      }).then((s) => subscriptions.push(s));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await bus.publish([identityEventMessage('identity.UserLocked.v1', 'bob', { reason: 'test' })]);
    await seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(replicas.map(cached)).toEqual([true, true]);
  });

  it('a UserErased reaches each replica, and each forgets its states', async () => {
    await bus.publish([identityEventMessage('identity.UserErased.v1', 'bob', { erasedKeys: ['k1'] })]);
    await waitFor(() => replicas.every((replica) => !cached(replica)), { what: 'both caches empty' });
  });
});
