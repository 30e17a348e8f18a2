import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { userStream } from '@app/contracts';
import { AggregateStore } from '@app/event-store';
import { RequestVerifier } from '@app/messaging';
import { useTestEventStore } from '@app/testing/test-event-store';
import { type ActiveOrganization } from '../organizations/organization.state';
import { organizationDecider } from '../organizations/organization.decider';
import { accountDeleted } from './account-deleted';
import { trusted } from './membership-request';
import { OrganizationCommandHandler, organizationStream } from './organization-command-handler';

/** R1, R10: an account deleted a moment ago joins nothing and owns nothing, whichever side of its deletion it acted on. */
describe('commands of or for an account being deleted', () => {
  const eventStore = useTestEventStore();

  /** As identity ends a deleted account's stream. */
  const deleteAccount = (userId: string) =>
    eventStore.client.appendToStream(userStream(userId), [
      jsonEvent({ type: 'UserDeleted', data: { userId, actorId: userId, at: new Date().toISOString() } }),
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
      accountDeleted: async (userId) => {
        await onLook(++looks, userId);
        return accountDeleted(eventStore.client, userId);
      },
    });
    const run = (
      orgId: string,
      actorId: string,
      command: Record<string, unknown> & { type: string },
      commandId = randomUUID(),
    ) => handler.execute(trusted({ commandId, orgId, actorId, command: command as never }));
    return { run, resetLooks: () => (looks = 0) };
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
});
