import { randomUUID } from 'node:crypto';
import { AggregateStore, type EventMetadata } from '@app/event-store';
import { RequestVerifier } from '@app/messaging';
import { useTestEventStore } from '@app/testing/test-event-store';
import { UserDirectory } from '../indexes/user-directory';
import { type ActiveOrganization } from '../organizations/organization.state';
import { trusted } from './membership-request';
import { OrganizationCommandHandler, organizationStream } from './organization-command-handler';
import { organizationDecider } from '../organizations/organization.decider';

/** R1, R10: an account deleted a moment ago joins nothing and owns nothing, whichever side of its deletion it acted on. */
describe('commands of or for an account being deleted', () => {
  const eventStore = useTestEventStore();

  function setUp(options: { deletedAfterLooks?: number; userId: string }) {
    const users = new UserDirectory();
    let looks = 0;
    const deleted = () =>
      users.apply({
        id: randomUUID(),
        streamName: `user-${options.userId}`,
        revision: 1n,
        created: new Date(),
        event: { type: 'UserDeleted', data: { userId: options.userId } },
        metadata: {} as EventMetadata,
      });
    const handler = new OrganizationCommandHandler(new AggregateStore(eventStore.client), {
      verifier: new RequestVerifier({
        current: { kid: 'k', secret: Buffer.alloc(32) },
        previous: [],
      } as never),
      users,
      // The deletion lands between the handler's look before the command and its look after it.
      catchUpUsers: async () => {
        if (++looks === options.deletedAfterLooks) deleted();
      },
    });
    const run = (orgId: string, actorId: string, command: Record<string, unknown> & { type: string }) =>
      handler.execute(trusted({ commandId: randomUUID(), orgId, actorId, command: command as never }));
    const state = async (orgId: string) =>
      (
        await new AggregateStore(eventStore.client).load(organizationStream(orgId), {
          decider: organizationDecider(),
        })
      ).state as ActiveOrganization;
    return { run, state, deleted };
  }

  it('R10: a deleted account creates no organization and is admitted nowhere (user-deleted)', async () => {
    const gone = `gone-${randomUUID()}`;
    const { run, state, deleted } = setUp({ userId: gone });
    const orgId = randomUUID();
    expect(await run(orgId, 'owner', { type: 'CreateOrganization', name: 'Acme' })).toMatchObject({
      ok: true,
    });
    deleted();
    expect(await run(randomUUID(), gone, { type: 'CreateOrganization', name: 'Late' })).toMatchObject({
      ok: false,
      error: { code: 'user-deleted', kind: 'gone', details: { userId: gone } },
    });
    expect(
      await run(orgId, 'system', { type: 'AdmitMember', userId: gone, role: 'user', via: 'invitation' }),
    ).toMatchObject({ ok: false, error: { code: 'user-deleted' } });
    expect((await state(orgId)).members.has(gone)).toBe(false);
  });

  it('R1, R10: an organization created as its owner’s account went is deleted with it; a member admitted then leaves', async () => {
    const gone = `gone-${randomUUID()}`;
    const created = setUp({ userId: gone, deletedAfterLooks: 2 });
    const orgId = randomUUID();
    expect(await created.run(orgId, gone, { type: 'CreateOrganization', name: 'Late' })).toMatchObject({
      ok: true,
    });
    expect((await created.state(orgId)).status).toBe('deleted');

    const other = `gone-${randomUUID()}`;
    const admitted = setUp({ userId: other, deletedAfterLooks: 4 }); // two looks for the creation, then the admission's
    const existing = randomUUID();
    await admitted.run(existing, 'owner', { type: 'CreateOrganization', name: 'Acme' });
    expect(
      await admitted.run(existing, 'system', {
        type: 'AdmitMember',
        userId: other,
        role: 'user',
        via: 'auto-join',
      }),
    ).toMatchObject({ ok: true });
    const after = await admitted.state(existing);
    expect([after.status, after.members.has(other), after.ownerId]).toEqual(['active', false, 'owner']);
  });
});
