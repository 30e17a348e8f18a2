import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { userStream } from '@app/contracts';
import { AggregateStore } from '@app/event-store';
import { RequestVerifier } from '@app/messaging';
import { useTestEventStore } from '@app/testing/test-event-store';
import { type ActiveOrganization } from '../organizations/organization.state';
import { organizationDecider } from '../organizations/organization.decider';
import { accountLocked } from './account-locked';
import { trusted } from './membership-request';
import { OrganizationCommandHandler, organizationStream } from './organization-command-handler';

/** R2: ownership goes to an active member; membership reads whether the account is locked from identity's events. */
describe('R2: ownership offered to a locked account', () => {
  const eventStore = useTestEventStore();

  const handler = () =>
    new OrganizationCommandHandler(new AggregateStore(eventStore.client), {
      verifier: new RequestVerifier({} as never),
      accountLocked: (userId) => accountLocked(eventStore.client, userId),
    });
  const run = (
    orgId: string,
    actorId: string,
    command: Record<string, unknown> & { type: string },
    commandId = randomUUID(),
  ) => handler().execute(trusted({ commandId, orgId, actorId, command: command as never }));
  /** As identity records them on the account's stream. */
  const record = (userId: string, type: 'UserRegistered' | 'UserLocked' | 'UserUnlocked') =>
    eventStore.client.appendToStream(userStream(userId), [
      jsonEvent({
        type,
        data: { userId, actorId: 'operator', at: new Date().toISOString(), reason: 'compromised' },
      }),
    ]);
  const revisionOf = async (orgId: string) =>
    (
      await new AggregateStore(eventStore.client).load(organizationStream(orgId), {
        decider: organizationDecider(),
      })
    ).revision;
  const ownerOf = async (orgId: string) =>
    (
      (
        await new AggregateStore(eventStore.client).load(organizationStream(orgId), {
          decider: organizationDecider(),
        })
      ).state as ActiveOrganization
    ).ownerId;

  it('is refused while the account is locked (new-owner-locked, nothing appended) and goes through once unlocked', async () => {
    const [orgId, ada] = [randomUUID(), `ada-${randomUUID()}`];
    expect(await run(orgId, 'owner', { type: 'CreateOrganization', name: 'Acme' })).toMatchObject({
      ok: true,
    });
    await run(orgId, 'system', { type: 'AdmitMember', userId: ada, role: 'admin', via: 'invitation' });
    await record(ada, 'UserRegistered');
    await record(ada, 'UserLocked');
    const before = await revisionOf(orgId);

    expect(await run(orgId, 'owner', { type: 'TransferOwnership', newOwnerId: ada })).toMatchObject({
      ok: false,
      error: { code: 'new-owner-locked', details: { field: 'newOwnerId' } },
    });
    expect(await ownerOf(orgId)).toBe('owner');
    expect(await revisionOf(orgId)).toBe(before);
    // A field of its own in the request is not how a client unlocks it: the handler reads the lock itself.
    expect(
      await run(orgId, 'owner', { type: 'TransferOwnership', newOwnerId: ada, newOwnerLocked: false }),
    ).toMatchObject({ ok: false, error: { code: 'new-owner-locked' } });

    await record(ada, 'UserUnlocked');
    expect(await run(orgId, 'owner', { type: 'TransferOwnership', newOwnerId: ada })).toMatchObject({
      ok: true,
    });
    expect(await ownerOf(orgId)).toBe(ada);
  });

  it('an account that was never locked, or has no events here, takes it', async () => {
    const [orgId, bob] = [randomUUID(), `bob-${randomUUID()}`];
    await run(orgId, 'owner', { type: 'CreateOrganization', name: 'Acme' });
    await run(orgId, 'system', { type: 'AdmitMember', userId: bob, role: 'user', via: 'invitation' });
    expect(await accountLocked(eventStore.client, bob)).toBe(false);
    await record(bob, 'UserRegistered');
    expect(await run(orgId, 'owner', { type: 'TransferOwnership', newOwnerId: bob })).toMatchObject({
      ok: true,
    });
    expect(await ownerOf(orgId)).toBe(bob);
  });

  it('a retry of a transfer made before the account was locked is answered as the transfer it was', async () => {
    const [orgId, cid, transfer] = [randomUUID(), `cid-${randomUUID()}`, randomUUID()];
    await run(orgId, 'owner', { type: 'CreateOrganization', name: 'Acme' });
    await run(orgId, 'system', { type: 'AdmitMember', userId: cid, role: 'user', via: 'invitation' });
    await record(cid, 'UserRegistered');
    const command = { type: 'TransferOwnership', newOwnerId: cid };
    expect(await run(orgId, 'owner', command, transfer)).toMatchObject({ ok: true });
    await record(cid, 'UserLocked');
    expect(await run(orgId, 'owner', command, transfer)).toMatchObject({ ok: true, duplicate: true });
    expect(await ownerOf(orgId)).toBe(cid);
  });
});
