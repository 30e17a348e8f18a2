import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { jsonEvent } from '@eventstore/db-client';
import {
  AddressSubjects,
  FilePersonalDataKeyStore,
  PersonalDataProtection,
  PersonalDataVault,
} from '@app/personal-data';
import { makeTempDir } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { RecipientDirectory } from './recipient-directory';

/** A new organization's stream, and events of it stamped now by its owner. */
function newOrganization() {
  const orgId = randomUUID();
  const at = new Date().toISOString();
  const event = (type: string, data: Record<string, unknown>) =>
    jsonEvent({ type, data: { orgId, actorId: 'owner', at, ...data } });
  return { orgId, stream: `organization-${orgId}`, at, event };
}

describe('the recipient directory, reading the event store', () => {
  const eventStore = useTestEventStore();

  it('names an organization as it was named at the event, however long ago it was renamed', async () => {
    const orgId = randomUUID();
    const stream = `organization-${orgId}`;
    const at = new Date().toISOString();
    const append = (type: string, data: Record<string, unknown>) =>
      eventStore.client.appendToStream(
        stream,
        jsonEvent({ type, data: { orgId, actorId: 'owner', at, ...data } }),
      );
    await append('OrganizationCreated', { name: 'Old Name', ownerId: 'owner', plan: 'standard' });
    await append('SettingsUpdated', { name: 'New Name', autoJoin: false, requireTwoFactor: false });
    for (let n = 0; n < 6; n++)
      await eventStore.client.appendToStream(
        stream,
        Array.from({ length: 200 }, (_, i) =>
          jsonEvent({
            type: 'TeamCreated',
            data: { orgId, actorId: 'owner', at, teamId: `t${n}-${i}`, name: `T${n}-${i}` },
          }),
        ),
      );
    const last = 1n + 6n * 200n;
    const directory = new RecipientDirectory(eventStore.client);

    expect(await directory.organizationNameOf(orgId, last)).toBe('New Name');
    expect(await directory.organizationNameOf(orgId, 0n)).toBe('Old Name');
    await append('SettingsUpdated', { name: 'Newest Name', autoJoin: false, requireTwoFactor: false });
    expect(await directory.organizationNameOf(orgId, last + 1n)).toBe('Newest Name');
    // An event from before the rename is still told with the name it had then.
    expect(await directory.organizationNameOf(orgId, last)).toBe('New Name');
    expect(await directory.organizationNameOf(randomUUID(), 3n)).toBeUndefined();
  });

  it('an invitee erased is written to by nobody, even while the address could still be opened (the revocation it causes)', async () => {
    const { orgId, stream, at, event } = newOrganization();
    await eventStore.client.appendToStream(stream, [
      event('InvitationSent', { invitationId: 'i1', sendSequence: 1, expiresAt: at, phone: '+14155552671' }),
      event('InvitationSent', {
        invitationId: 'i2',
        sendSequence: 1,
        expiresAt: at,
        email: 'kept@example.com',
      }),
    ]);
    const directory = new RecipientDirectory(eventStore.client);
    expect(await directory.sentInvitation(orgId, 'i1')).toEqual({
      phone: '+14155552671',
      sentAs: [expect.any(String)],
    });
    // The erasure appends the revocation and InviteeErased at once; the notice for the revocation is handled after.
    await eventStore.client.appendToStream(stream, [
      event('InvitationRevoked', { invitationId: 'i1' }),
      event('InviteeErased', { invitationIds: ['i1'], erasedKeys: ['addr-1'] }),
    ]);
    expect(await directory.sentInvitation(orgId, 'i1')).toBeUndefined();
    expect(await directory.sentInvitation(orgId, 'i2')).toEqual({
      email: 'kept@example.com',
      sentAs: [expect.any(String)],
    });
    // A send handled late, after the erasure, is not delivered either.
    expect(await directory.inviteeErased(orgId, 'i1')).toBe(true);
    expect(await directory.inviteeErased(orgId, 'i2')).toBe(false);
  });

  it('an invitee erased long before a late send is handled is still written to by nobody, however much happened since', async () => {
    const { orgId, stream, at, event } = newOrganization();
    await eventStore.client.appendToStream(stream, [
      event('InvitationCreated', { invitationId: 'i1', email: 'alice@example.com', role: 'user' }),
      event('InvitationSent', {
        invitationId: 'i1',
        sendSequence: 1,
        expiresAt: at,
        email: 'alice@example.com',
      }),
      event('InvitationRevoked', { invitationId: 'i1' }),
      event('InviteeErased', { invitationIds: ['i1'], erasedKeys: ['addr-1'] }),
    ]);
    // An import of thousands of rows since (the relay was down meanwhile).
    for (let n = 0; n < 6; n++)
      await eventStore.client.appendToStream(
        stream,
        Array.from({ length: 1_000 }, (_, i) =>
          event('TeamCreated', { teamId: `t${n}-${i}`, name: `T${n}-${i}` }),
        ),
      );
    const directory = new RecipientDirectory(eventStore.client);

    expect(await directory.inviteeErased(orgId, 'i1')).toBe(true);
    expect(await directory.sentInvitation(orgId, 'i1')).toBeUndefined();
  });

  it('an invitee whose address was erased with their account since the send (no InviteeErased) is written to by nobody', async () => {
    const vault = new PersonalDataVault(
      new FilePersonalDataKeyStore(join(await makeTempDir('directory'), 'keys'), randomBytes(32)),
    );
    const addresses = new AddressSubjects(randomBytes(32));
    const orgId = randomUUID();
    const at = new Date().toISOString();
    const sendTo = async (
      invitationId: string,
      field: 'email' | 'phone',
      address: string,
      type = 'InvitationSent',
    ) => {
      const subject = addresses.of(field, address);
      const data = {
        orgId,
        actorId: 'owner',
        at,
        invitationId,
        sendSequence: 1,
        expiresAt: at,
        [field]: address,
      };
      const sealed = await vault.seal(await vault.liveGeneration(subject), data, [field]);
      await eventStore.client.appendToStream(`organization-${orgId}`, jsonEvent({ type, data: sealed }));
      return subject;
    };
    /** A send recorded with no address field at all. */
    const sendWithoutAddress = (invitationId: string, sendSequence: number) =>
      eventStore.client.appendToStream(
        `organization-${orgId}`,
        jsonEvent({
          type: 'InvitationSent',
          data: { orgId, actorId: 'owner', at, invitationId, sendSequence },
        }),
      );
    const bob = await sendTo('i1', 'email', 'bob@example.com');
    const bobsPhone = await sendTo('i2', 'phone', '+14155552671');
    await sendTo('i5', 'phone', '+14155552671', 'InvitationCreated');
    await sendTo('i3', 'email', 'cy@example.com');
    const directory = new RecipientDirectory(eventStore.client, new PersonalDataProtection(vault));
    expect(await directory.inviteeErased(orgId, 'i1')).toBe(false);
    // Bob deletes his account: the keys of his address and number are destroyed.
    for (const subject of [bob, bobsPhone]) await vault.erase(await vault.liveGeneration(subject));
    expect(await directory.inviteeErased(orgId, 'i1')).toBe(true);
    expect(await directory.inviteeErased(orgId, 'i2')).toBe(true);
    expect(await directory.inviteeErased(orgId, 'i3')).toBe(false);
    // A send recorded with no address at all (the first version of the event) is not an erasure.
    await sendWithoutAddress('i4', 1);
    expect(await directory.inviteeErased(orgId, 'i4')).toBe(false);
    // Nor is a resend recorded after the number was erased, which had none left to record: its invitation's was.
    await sendWithoutAddress('i5', 2);
    expect(await directory.inviteeErased(orgId, 'i5')).toBe(true);
  });

  it('an address is proven once its link was opened, or the account moved to it (by a link opened there)', async () => {
    const userId = randomUUID();
    const at = new Date().toISOString();
    const event = (type: string, data: Record<string, unknown> = {}) =>
      jsonEvent({ type, data: { userId, actorId: userId, at, ...data } });
    const append = (type: string, data?: Record<string, unknown>) =>
      eventStore.client.appendToStream(`user-${userId}`, event(type, data));
    const directory = new RecipientDirectory(eventStore.client);
    await append('UserRegistered', { name: 'Ada', email: 'ada@example.com' });
    expect(await directory.contactOf(userId)).toMatchObject({ email: 'ada@example.com', verified: false });
    await append('EmailVerified', { email: 'ada@example.com' });
    expect(await directory.contactOf(userId)).toMatchObject({ email: 'ada@example.com', verified: true });

    // A move is proven by the EmailVerified identity records with it; one without (releases before 5 Dec moved an
    // account at once) is not, nor is a verification of another address.
    const movedId = randomUUID();
    const moved = (type: string, email: string) =>
      eventStore.client.appendToStream(
        `user-${movedId}`,
        jsonEvent({ type, data: { userId: movedId, at, name: 'Bob', email } }),
      );
    await moved('UserRegistered', 'bob@example.com');
    await moved('EmailVerified', 'bob@example.com');
    await moved('EmailChanged', 'bob@new.example');
    expect(await directory.contactOf(movedId)).toMatchObject({ email: 'bob@new.example', verified: false });
    await moved('EmailVerified', 'bob@example.com');
    expect(await directory.contactOf(movedId)).toMatchObject({ email: 'bob@new.example', verified: false });
    await moved('EmailVerified', 'Bob@New.Example');
    expect(await directory.contactOf(movedId)).toMatchObject({ email: 'bob@new.example', verified: true });
  });

  it('reads a user’s address, name and second factor from the end of their stream, however long it is', async () => {
    const userId = randomUUID();
    const stream = `user-${userId}`;
    const at = new Date().toISOString();
    const event = (type: string, data: Record<string, unknown> = {}) =>
      jsonEvent({ type, data: { userId, actorId: userId, at, ...data } });
    await eventStore.client.appendToStream(
      stream,
      event('UserRegistered', { name: 'Ada', email: 'ada@example.com' }),
    );
    for (let n = 0; n < 11; n++)
      await eventStore.client.appendToStream(
        stream,
        Array.from({ length: 1_000 }, (_, i) => event('ProfileUpdated', { name: `Ada ${n}-${i}` })),
      );
    await eventStore.client.appendToStream(stream, [
      event('EmailChanged', { email: 'ada@new.example' }),
      event('EmailVerified', { email: 'ada@new.example' }),
      event('TwoFactorEnabled'),
    ]);
    const directory = new RecipientDirectory(eventStore.client);

    expect(await directory.contactOf(userId)).toEqual({
      email: 'ada@new.example',
      name: 'Ada 10-999',
      verified: true,
    });
    expect(await directory.hasSecondFactor(userId)).toBe(true);
    await eventStore.client.appendToStream(stream, [event('TwoFactorDisabled'), event('UserDeleted')]);
    expect(await directory.hasSecondFactor(userId)).toBe(false);
    expect(await directory.contactOf(userId)).toBeUndefined();
    expect(await directory.contactOf(randomUUID())).toBeUndefined();
  });

  it('tells whether a second factor was already required before a settings change, however long before it was set', async () => {
    const orgId = randomUUID();
    const stream = `organization-${orgId}`;
    const at = new Date().toISOString();
    const settings = (requireTwoFactor: boolean) =>
      eventStore.client.appendToStream(
        stream,
        jsonEvent({
          type: 'SettingsUpdated',
          data: { orgId, actorId: 'owner', at, name: 'Org', autoJoin: false, requireTwoFactor },
        }),
      );
    await eventStore.client.appendToStream(
      stream,
      jsonEvent({
        type: 'OrganizationCreated',
        data: { orgId, actorId: 'owner', at, name: 'Org', ownerId: 'owner', plan: 'standard' },
      }),
    );
    await settings(true); // revision 1
    await eventStore.client.appendToStream(
      stream,
      Array.from({ length: 1_200 }, (_, i) =>
        jsonEvent({
          type: 'TeamCreated',
          data: { orgId, actorId: 'owner', at, teamId: `t${i}`, name: `T${i}` },
        }),
      ),
    );
    await settings(false); // revision 1,202
    await settings(true); // revision 1,203
    const directory = new RecipientDirectory(eventStore.client);

    expect(await directory.requiredTwoFactorBefore(orgId, 0n)).toBe(false);
    expect(await directory.requiredTwoFactorBefore(orgId, 1n)).toBe(false);
    expect(await directory.requiredTwoFactorBefore(orgId, 2n)).toBe(true);
    expect(await directory.requiredTwoFactorBefore(orgId, 1_202n)).toBe(true);
    expect(await directory.requiredTwoFactorBefore(orgId, 1_203n)).toBe(false);
    expect(await directory.requiredTwoFactorBefore(randomUUID(), 5n)).toBe(false);
  });

  it('the inviter to tell of an acceptance: a member who created it, not one gone since, nobody acting through a parent', async () => {
    const orgId = randomUUID();
    const stream = `organization-${orgId}`;
    const at = new Date().toISOString();
    const append = (type: string, data: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
      eventStore.client.appendToStream(
        stream,
        jsonEvent({ type, data: { orgId, at, ...data }, metadata: { actor: data.actorId, ...metadata } }),
      );
    await append('OrganizationCreated', {
      actorId: 'owner',
      name: 'Acme',
      ownerId: 'owner',
      plan: 'standard',
    });
    const invitation = (invitationId: string, actorId: string, metadata?: Record<string, unknown>) =>
      append(
        'InvitationCreated',
        { actorId, invitationId, email: `${invitationId}@example.com`, role: 'user' },
        metadata,
      );
    await invitation('by-owner', 'owner'); // revision 1
    await invitation('by-partner', 'parker', { actingVia: randomUUID() }); // revision 2
    await append('MemberJoined', { actorId: 'owner', userId: 'leaver', role: 'admin' }); // revision 3
    await invitation('by-leaver', 'leaver'); // revision 4
    await append('MemberLeft', { actorId: 'leaver', userId: 'leaver' }); // revision 5
    const directory = new RecipientDirectory(eventStore.client);
    expect(await directory.inviterOf(orgId, 'by-owner', 5n)).toBe('owner');
    expect(await directory.inviterOf(orgId, 'by-partner', 5n)).toBeUndefined();
    expect(await directory.inviterOf(orgId, 'by-leaver', 4n)).toBe('leaver');
    expect(await directory.inviterOf(orgId, 'by-leaver', 5n)).toBeUndefined();
    // However much came between (imports make thousands of events), the creation is found, and a leaving among them.
    await append('MemberJoined', { actorId: 'owner', userId: 'later', role: 'admin' }); // revision 6
    await invitation('long-ago', 'later'); // revision 7
    await eventStore.client.appendToStream(
      stream,
      Array.from({ length: 6_000 }, (_, i) =>
        jsonEvent({
          type: 'TeamCreated',
          data: { orgId, actorId: 'owner', at, teamId: `t${i}`, name: `T${i}` },
        }),
      ),
    );
    expect(await directory.inviterOf(orgId, 'long-ago', 6_007n)).toBe('later');
    await append('MemberRemoved', { actorId: 'owner', userId: 'later' }); // revision 6,008
    expect(await directory.inviterOf(orgId, 'long-ago', 6_008n)).toBeUndefined();
    expect(await directory.inviterOf(orgId, 'never-made', 6_008n)).toBeUndefined();
  });

  it('whether a member was in a team just before an event: since the team was made, until removed or gone', async () => {
    const orgId = randomUUID();
    const at = new Date().toISOString();
    const append = (type: string, data: Record<string, unknown>) =>
      eventStore.client.appendToStream(
        `organization-${orgId}`,
        jsonEvent({ type, data: { orgId, actorId: 'owner', at, ...data } }),
      );
    await append('OrganizationCreated', { name: 'Acme', ownerId: 'owner', plan: 'standard' }); // 0
    await append('TeamCreated', { teamId: 'desk', name: 'Desk' }); // 1
    await append('TeamMemberAdded', { teamId: 'desk', userId: 'bob', role: 'manager' }); // 2
    await append('TeamMemberAdded', { teamId: 'desk', userId: 'bob', role: 'member' }); // 3: made a member again
    await append('TeamMemberAdded', { teamId: 'desk', userId: 'cat', role: 'member' }); // 4: new
    await append('TeamMemberRemoved', { teamId: 'desk', userId: 'bob' }); // 5
    await append('TeamMemberAdded', { teamId: 'desk', userId: 'bob', role: 'member' }); // 6: back
    const directory = new RecipientDirectory(eventStore.client);
    expect(await directory.inTeamBefore(orgId, 'desk', 'bob', 3n)).toBe(true);
    expect(await directory.inTeamBefore(orgId, 'desk', 'cat', 4n)).toBe(false);
    expect(await directory.inTeamBefore(orgId, 'desk', 'bob', 6n)).toBe(false);
    expect(await directory.inTeamBefore(orgId, 'other', 'bob', 6n)).toBe(false);
  });

  it('R5/R6: an invitation sent twice names both sends, newest first; only the latest, unexpired, is current', async () => {
    const { orgId, stream, at, event } = newOrganization();
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const [first, second, gone] = [randomUUID(), randomUUID(), randomUUID()];
    const sent = (id: string, invitationId: string, sendSequence: number, expiresAt: string) =>
      jsonEvent({
        id,
        type: 'InvitationSent',
        data: {
          orgId,
          actorId: 'owner',
          at,
          invitationId,
          sendSequence,
          expiresAt,
          email: 'ada@example.com',
        },
      });
    await eventStore.client.appendToStream(stream, [
      event('InvitationCreated', { invitationId: 'i1', email: 'ada@example.com', role: 'user' }),
      sent(first, 'i1', 1, later),
      sent(second, 'i1', 2, later),
      // Its time is up, though no expiry was recorded yet.
      sent(gone, 'i2', 1, new Date(Date.now() - 1_000).toISOString()),
    ]);
    const directory = new RecipientDirectory(eventStore.client);
    expect(await directory.sentInvitation(orgId, 'i1')).toEqual({
      email: 'ada@example.com',
      sentAs: [second, first],
    });
    expect(await directory.sendStillCurrent(orgId, 'i1', 1)).toBe(false);
    expect(await directory.sendStillCurrent(orgId, 'i1', 2)).toBe(true);
    expect(await directory.sendSuperseded(orgId, 'i1', first)).toBe(true);
    expect(await directory.sendSuperseded(orgId, 'i1', second)).toBe(false);
    expect(await directory.sendStillCurrent(orgId, 'i2', 1)).toBe(false);
    expect(await directory.sendSuperseded(orgId, 'i2', gone)).toBe(true);
  });
});
