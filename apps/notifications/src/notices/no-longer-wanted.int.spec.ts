import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { jsonEvent } from '@eventstore/db-client';
import { PoisonMessageError } from '@app/messaging';
import { PseudonymousIds } from '@app/personal-data';
import { makeTempDir } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { LocalDeliveryLog } from '../delivery/delivery-log';
import { SmtpMailTransport } from '../delivery/mail-transport';
import { Notifier } from '../delivery/notifier';
import { type OutgoingEmail } from '../delivery/outgoing-message';
import { FileSmsTransport } from '../delivery/sms-transport';
import { startSmtpServer } from '../delivery/smtp-server.testing';
import { noLongerWanted } from './no-longer-wanted';
import { RecipientDirectory } from './recipient-directory';

/** An operator's retry of dead deliveries, against what the event store says of their recipients now. */
describe('retrying dead deliveries: nothing goes to a recipient erased or deleted since', () => {
  const eventStore = useTestEventStore();

  it('an erased invitee and a deleted account get nothing, marked failed with the reason; the others are sent', async () => {
    const orgId = randomUUID();
    const deletedUser = randomUUID();
    const at = new Date().toISOString();
    // i3 sent and then revoked: its link is dead, while the notice of its withdrawal is not.
    const [revokedSend, revocation] = [randomUUID(), randomUUID()];
    const i3 = { orgId, actorId: 'owner', at, invitationId: 'i3' };
    await eventStore.client.appendToStream(`organization-${orgId}`, [
      jsonEvent({
        id: revokedSend,
        type: 'InvitationSent',
        data: { ...i3, sendSequence: 1, expiresAt: at, email: 'revoked@example.com' },
      }),
      jsonEvent({ id: revocation, type: 'InvitationRevoked', data: i3 }),
    ]);
    await eventStore.client.appendToStream(`organization-${orgId}`, [
      jsonEvent({
        type: 'InvitationSent',
        data: {
          orgId,
          actorId: 'owner',
          at,
          invitationId: 'i1',
          sendSequence: 1,
          expiresAt: at,
          email: 'gone@example.com',
        },
      }),
      jsonEvent({
        type: 'InviteeErased',
        data: { orgId, actorId: 'operator', at, invitationIds: ['i1'], erasedKeys: ['addr-1'] },
      }),
    ]);
    await eventStore.client.appendToStream(`user-${deletedUser}`, [
      jsonEvent({
        type: 'UserRegistered',
        data: { userId: deletedUser, actorId: deletedUser, at, name: 'D', email: 'd@example.com' },
      }),
      jsonEvent({ type: 'UserDeleted', data: { userId: deletedUser, actorId: deletedUser, at } }),
    ]);
    // Moved from one address to another since the organization's notice to them was written.
    const movedUser = randomUUID();
    await eventStore.client.appendToStream(`user-${movedUser}`, [
      jsonEvent({
        type: 'UserRegistered',
        data: { userId: movedUser, actorId: movedUser, at, name: 'M', email: 'm.old@example.com' },
      }),
      jsonEvent({
        type: 'EmailChanged',
        data: {
          userId: movedUser,
          actorId: movedUser,
          at,
          previousEmail: 'm.old@example.com',
          email: 'm.new@example.com',
        },
      }),
    ]);
    const smtp = await startSmtpServer({ failFirst: 1_000, failWith: 421 });
    const transport = new SmtpMailTransport(smtp.url, 'no-reply@platform.test');
    const log = new LocalDeliveryLog(join(await makeTempDir('retry-dead'), 'deliveries.jsonl'));
    const settled: string[] = [];
    const notifier = new Notifier(transport, new FileSmsTransport('/nonexistent'), log, {
      maxAttempts: 1,
      ids: new PseudonymousIds(randomBytes(32)),
      onSettled: async (record) => void settled.push(`${record.message.idempotencyKey} ${record.status}`),
      noLongerWanted: noLongerWanted(new RecipientDirectory(eventStore.client)),
    });
    const mail = (key: string, to: string, about: OutgoingEmail['about']): OutgoingEmail => ({
      channel: 'email',
      to,
      subject: 'Hello',
      text: 'Hello',
      idempotencyKey: key,
      about,
    });
    try {
      const messages = [
        mail('invitation', 'gone@example.com', { orgId, invitationId: 'i1' }),
        mail('verify', 'd@example.com', { userId: deletedUser }),
        mail('kept', 'kept@example.com', { orgId, invitationId: 'i2' }),
        mail(revokedSend, 'revoked@example.com', { orgId, invitationId: 'i3' }),
        mail(revocation, 'revoked@example.com', { orgId, invitationId: 'i3' }),
        mail('notice-old', 'm.old@example.com', { orgId, userId: movedUser }),
        mail('notice-new', 'M.New@example.com', { orgId, userId: movedUser }),
        // A request's mail to the address a move asks for is no notice: it goes where it was asked to.
        mail('move-link', 'm.next@example.com', { userId: movedUser }),
      ];
      for (const message of messages)
        await expect(notifier.deliver(message)).rejects.toBeInstanceOf(PoisonMessageError);
      smtp.failNext(0);
      settled.length = 0;

      const outcomes = await notifier.retryDead();
      expect(outcomes.map((o) => [o.message.idempotencyKey, o.status, o.lastError]).sort()).toEqual(
        [
          ['invitation', 'failed', 'the invitee was erased'],
          ['kept', 'sent', undefined],
          [revocation, 'sent', undefined],
          [revokedSend, 'failed', 'the invitation was revoked, accepted, expired or sent again'],
          ['verify', 'failed', 'the recipient’s account was deleted'],
          ['notice-old', 'failed', 'the recipient’s address changed'],
          ['notice-new', 'sent', undefined],
          ['move-link', 'sent', undefined],
        ].sort(),
      );
      expect(smtp.received.map((m) => m.to).sort()).toEqual([
        ['M.New@example.com'],
        ['kept@example.com'],
        ['m.next@example.com'],
        ['revoked@example.com'],
      ]);
      expect(settled.sort()).toEqual(
        [
          'invitation failed',
          'kept sent',
          'verify failed',
          'notice-old failed',
          'notice-new sent',
          'move-link sent',
          `${revocation} sent`,
          `${revokedSend} failed`,
        ].sort(),
      );
    } finally {
      await transport.close();
      await smtp.stop();
      await log.close();
    }
  });
});
