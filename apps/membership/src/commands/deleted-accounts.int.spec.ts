import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { TOPICS, userStream } from '@app/contracts';
import { AggregateStore, EventStoreCheckpointStore } from '@app/event-store';
import { InProcessBus, isContention, RequestVerifier } from '@app/messaging';
import { PUBLIC_EVENT_MAPPINGS, publicEventMessages, startEventRelay } from '@app/relay';
import { waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { JoinedAccountReactions } from '../reactions/joined-account-reactions';
import { type ActiveOrganization } from '../organizations/organization.state';
import { organizationDecider } from '../organizations/organization.decider';
import { accountDeletion } from './account-deleted';
import { trusted } from './membership-request';
import { OrganizationCommandHandler, organizationStream } from './organization-command-handler';

/** R1, R10: an account deleted a moment ago joins nothing and owns nothing, whichever side of its deletion it acted on. */
describe('commands of or for an account being deleted', () => {
  const eventStore = useTestEventStore();

  /** As identity ends a deleted account's stream; `confirmed`: the organizations its Owner confirmed deleting. */
  const deleteAccount = (userId: string, confirmed: readonly string[] = []) =>
    eventStore.client.appendToStream(userStream(userId), [
      jsonEvent({
        type: 'UserDeleted',
        data: {
          userId,
          actorId: userId,
          at: new Date().toISOString(),
          ownedOrganizationIds: confirmed,
          ownedOrganizationsConfirmed: confirmed.length > 0,
        },
      }),
      jsonEvent({
        type: 'UserErased',
        data: { userId, actorId: userId, at: new Date().toISOString(), erasedKeys: [] },
      }),
    ]);

  /**
   * A handler that asks the event store whether an account was deleted, as the service does; `onLook(n)` runs before
   * its n-th look (1: before the command, 2: after it), to land a deletion in between, or to fail there.
   */
  function setUp(onLook: (look: number, userId: string) => Promise<void> = async () => undefined) {
    let looks = 0;
    const handler = new OrganizationCommandHandler(new AggregateStore(eventStore.client), {
      verifier: new RequestVerifier({} as never),
      accountDeletion: async (userId) => {
        await onLook(++looks, userId);
        return accountDeletion(eventStore.client, userId);
      },
    });
    const run = (
      orgId: string,
      actorId: string,
      command: Record<string, unknown> & { type: string },
      commandId = randomUUID(),
    ) => handler.execute(trusted({ commandId, orgId, actorId, command: command as never }));
    return { handler, run, resetLooks: () => (looks = 0) };
  }

  const state = async (orgId: string) =>
    (
      await new AggregateStore(eventStore.client).load(organizationStream(orgId), {
        decider: organizationDecider(),
      })
    ).state as ActiveOrganization;

  it('R10: a deleted account creates no organization and is admitted nowhere (user-deleted)', async () => {
    const gone = `gone-${randomUUID()}`;
    const { run } = setUp();
    const orgId = randomUUID();
    expect(await run(orgId, 'owner', { type: 'CreateOrganization', name: 'Acme' })).toMatchObject({
      ok: true,
    });
    await deleteAccount(gone);
    const late = randomUUID();
    expect(await run(late, gone, { type: 'CreateOrganization', name: 'Late' })).toMatchObject({
      ok: false,
      error: { code: 'user-deleted', kind: 'gone', details: { userId: gone } },
    });
    expect((await state(late)).status).toBe('none');
    expect(
      await run(orgId, 'system', { type: 'AdmitMember', userId: gone, role: 'user', via: 'invitation' }),
    ).toMatchObject({ ok: false, error: { code: 'user-deleted' } });
    expect((await state(orgId)).members.has(gone)).toBe(false);
  });

  it('R1, R10: an organization created as its owner’s account went goes with it; a member admitted then leaves', async () => {
    const gone = `gone-${randomUUID()}`;
    const created = setUp(async (look, userId) => {
      if (look === 2) await deleteAccount(userId);
    });
    const orgId = randomUUID();
    expect(await created.run(orgId, gone, { type: 'CreateOrganization', name: 'Late' })).toMatchObject({
      ok: true,
    });
    expect((await state(orgId)).status).toBe('deleted');

    const other = `gone-${randomUUID()}`;
    const existing = randomUUID();
    await setUp().run(existing, 'owner', { type: 'CreateOrganization', name: 'Acme' });
    const admitted = setUp(async (look, userId) => {
      if (look === 2 && userId === other) await deleteAccount(userId);
    });
    expect(
      await admitted.run(existing, 'system', {
        type: 'AdmitMember',
        userId: other,
        role: 'user',
        via: 'auto-join',
      }),
    ).toMatchObject({ ok: true });
    const after = await state(existing);
    expect([after.status, after.members.has(other), after.ownerId]).toEqual(['active', false, 'owner']);
  });

  it('R1, R10: recorded, then failed before it could look again: the same command retried undoes it and is refused', async () => {
    const gone = `gone-${randomUUID()}`;
    const failing = setUp(async (look, userId) => {
      if (look !== 2) return;
      await deleteAccount(userId);
      throw new Error('the event store stopped answering');
    });
    const orgId = randomUUID();
    const commandId = randomUUID();
    await expect(
      failing.run(orgId, gone, { type: 'CreateOrganization', name: 'Late' }, commandId),
    ).rejects.toThrow('stopped answering');
    expect((await state(orgId)).status).toBe('active');

    const retried = await setUp().run(orgId, gone, { type: 'CreateOrganization', name: 'Late' }, commandId);
    expect(retried).toMatchObject({ ok: false, error: { code: 'user-deleted' } });
    expect((await state(orgId)).status).toBe('deleted');
  });

  /** Membership started again: its relay publishes what is recorded, and its reactions to joined accounts run. */
  async function restarted(handler: OrganizationCommandHandler) {
    const bus = new InProcessBus();
    await bus.ensureTopics([{ topic: TOPICS.membershipOrganizations }]);
    const reactions = new JoinedAccountReactions(bus, handler);
    await reactions.onApplicationBootstrap();
    const relay = startEventRelay({
      name: `membership-relay-${randomUUID()}`,
      client: eventStore.client,
      checkpoints: new EventStoreCheckpointStore(eventStore.client),
      streamPrefixes: [PUBLIC_EVENT_MAPPINGS.membership.streamPrefix],
      toMessages: publicEventMessages(PUBLIC_EVENT_MAPPINGS.membership),
      publish: (messages) => bus.publish(messages),
    });
    return async () => {
      await relay.stop();
      await reactions.beforeApplicationShutdown();
      await bus.close();
    };
  }

  /** A handler whose process stops right after recording its command, as the account's deletion lands. */
  const stoppingAfterRecording = () =>
    setUp(async (look, userId) => {
      if (look !== 2) return;
      await deleteAccount(userId);
      throw new Error('the process stopped');
    });

  it('R1, R10: recorded, then the process stopped before it looked again, and nobody retried: the published event takes the account out', async () => {
    const [admitted, creator, newOwner] = ['admitted', 'creator', 'new-owner'].map(
      (n) => `${n}-${randomUUID()}`,
    );
    const [joinedOrg, createdOrg, transferredOrg] = [randomUUID(), randomUUID(), randomUUID()];
    const { run } = setUp();
    for (const orgId of [joinedOrg, transferredOrg])
      await run(orgId, 'owner', { type: 'CreateOrganization', name: 'Acme' });
    await run(joinedOrg, 'system', { type: 'AdmitMember', userId: 'carol', role: 'user', via: 'invitation' });
    await run(transferredOrg, 'system', {
      type: 'AdmitMember',
      userId: newOwner,
      role: 'user',
      via: 'invitation',
    });
    const stopped = [
      stoppingAfterRecording().run(joinedOrg, 'system', {
        type: 'AdmitMember',
        userId: admitted,
        role: 'user',
        via: 'invitation',
      }),
      stoppingAfterRecording().run(createdOrg, creator, { type: 'CreateOrganization', name: 'Late' }),
      stoppingAfterRecording().run(transferredOrg, 'owner', {
        type: 'TransferOwnership',
        newOwnerId: newOwner,
      }),
    ];
    for (const attempt of stopped) await expect(attempt).rejects.toThrow('the process stopped');
    expect([
      (await state(joinedOrg)).members.has(admitted),
      (await state(createdOrg)).ownerId,
      (await state(transferredOrg)).ownerId,
    ]).toEqual([true, creator, newOwner]);

    const stop = await restarted(setUp().handler);
    try {
      await waitFor(
        async () =>
          !(await state(joinedOrg)).members.has(admitted) &&
          (await state(createdOrg)).status === 'deleted' &&
          (await state(transferredOrg)).ownerId === 'owner',
        { what: 'the deleted accounts taken out' },
      );
    } finally {
      await stop();
    }
    // Accounts that still exist stay where they are.
    const joined = await state(joinedOrg);
    expect([joined.status, joined.ownerId, joined.members.has('carol')]).toEqual(['active', 'owner', true]);
    expect((await state(transferredOrg)).members.has(newOwner)).toBe(false);
  });

  it('R10: looked at again after the deletion, an organization its Owner confirmed deleting goes; another goes to a successor', async () => {
    const gone = `gone-${randomUUID()}`;
    const { run, handler } = setUp();
    const [confirmed, unconfirmed] = [randomUUID(), randomUUID()];
    for (const orgId of [confirmed, unconfirmed]) {
      await run(orgId, gone, { type: 'CreateOrganization', name: 'Acme' });
      await run(orgId, 'system', { type: 'AdmitMember', userId: 'bob', role: 'admin', via: 'invitation' });
    }
    await deleteAccount(gone, [confirmed]);
    for (const orgId of [confirmed, unconfirmed])
      await handler.takeOutIfDeleted(gone, { orgId, commandId: randomUUID() });
    expect((await state(confirmed)).status).toBe('deleted');
    const kept = await state(unconfirmed);
    expect([kept.status, kept.ownerId, kept.members.has(gone)]).toEqual(['active', 'bob', false]);
  });

  it('R10: a lost race for a busy organization while taking a deleted account out fails as contention, to be tried again', async () => {
    const gone = `gone-${randomUUID()}`;
    const { run, handler } = setUp();
    const orgId = randomUUID();
    await run(orgId, 'owner', { type: 'CreateOrganization', name: 'Acme' });
    await run(orgId, 'system', { type: 'AdmitMember', userId: gone, role: 'user', via: 'invitation' });
    await deleteAccount(gone);
    const execute = handler.execute.bind(handler);
    const busy = jest.spyOn(handler, 'execute').mockImplementation(async (request) =>
      request.command.type === 'RemoveDeletedUser'
        ? {
            ok: false,
            error: { code: 'concurrency-conflict', kind: 'conflict', message: 'busy', details: {} },
          }
        : execute(request),
    );
    try {
      const failure = await handler
        .takeOutIfDeleted(gone, { orgId, commandId: randomUUID() })
        .catch((e) => e);
      // The bus tries contention again without counting it towards the dead-letter topic.
      expect(isContention(failure)).toBe(true);
    } finally {
      busy.mockRestore();
    }
    await handler.takeOutIfDeleted(gone, { orgId, commandId: randomUUID() });
    expect((await state(orgId)).members.has(gone)).toBe(false);
  });
});
