import { useTestEventStore } from '@app/testing/test-event-store';
import { type MembershipHarness, startMembership } from './membership-harness.testing';

/**
 * Commands on one organization that reach the service by paths the bus does not order among themselves (reactions to
 * identity events for many users: auto-joins, accepted registrations, deleted accounts) are applied one at a time in
 * the service, so none of them loses its race for the stream's next revision and is dropped.
 */
describe('many commands on one organization at once, in one service', () => {
  const eventStore = useTestEventStore();
  let membership: MembershipHarness;

  beforeAll(async () => {
    membership = await startMembership({
      client: eventStore.client,
      connectionString: eventStore.store.connectionString,
    });
  });
  afterAll(() => membership.close());

  it('R16, R10: 40 reactions at once are all applied, none refused as a concurrency conflict', async () => {
    const orgId = await membership.organization('owner');
    const userIds = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const joined = await Promise.all(
      userIds.map((userId) =>
        membership.system(orgId, { type: 'AdmitMember', userId, role: 'user', via: 'auto-join' }),
      ),
    );
    expect(joined.filter((reply) => !reply.ok)).toEqual([]);
    expect([...(await membership.state(orgId)).members.keys()].sort()).toEqual(['owner', ...userIds].sort());

    const left = await Promise.all(
      userIds.map((userId) =>
        membership.system(orgId, { type: 'RemoveDeletedUser', userId, ownedOrganizationsConfirmed: false }),
      ),
    );
    expect(left.filter((reply) => !reply.ok)).toEqual([]);
    expect([...(await membership.state(orgId)).members.keys()]).toEqual(['owner']);
  });
});
