import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '@app/testing';
import { startSmtpServer } from './smtp-server.testing';
import { InMemoryDeliveryLog } from './delivery-log';
import { FileMailTransport, SmtpMailTransport } from './mail-transport';
import { Notifier } from './notifier';
import { type OutgoingEmail } from './outgoing-message';
import { FileSmsTransport } from './sms-transport';

const email = (key: string): OutgoingEmail => ({
  channel: 'email',
  to: 'ada@example.com',
  subject: 'Verify your e-mail',
  text: 'Open https://app.example.com/verify?token=abc',
  idempotencyKey: key,
});

describe('Notifier', () => {
  it('delivers e-mail through a real SMTP server, once per idempotency key', async () => {
    const smtp = await startSmtpServer();
    const transport = new SmtpMailTransport(smtp.url, 'no-reply@platform.test');
    const log = new InMemoryDeliveryLog();
    const notifier = new Notifier(transport, new FileSmsTransport('/nonexistent'), log);
    try {
      const receipt = await notifier.deliver(email('evt-1/verify'));
      const duplicate = await notifier.deliver(email('evt-1/verify'));
      expect(receipt).toMatchObject({ transport: 'smtp', to: 'ada@example.com' });
      expect(duplicate).toBeUndefined();
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]!.to).toEqual(['ada@example.com']);
      expect(smtp.received[0]!.from).toBe('no-reply@platform.test');
      expect(smtp.received[0]!.raw).toContain('Subject: Verify your e-mail');
      expect(smtp.received[0]!.raw).toContain('token=abc');
      expect(await log.find('evt-1/verify')).toBeDefined();
    } finally {
      await transport.close();
      await smtp.stop();
    }
  });

  it('releases the claim when the server refuses, so a retry delivers', async () => {
    const smtp = await startSmtpServer(1);
    const transport = new SmtpMailTransport(smtp.url, 'no-reply@platform.test');
    const notifier = new Notifier(transport, new FileSmsTransport('/nonexistent'), new InMemoryDeliveryLog());
    try {
      await expect(notifier.deliver(email('evt-2/reset'))).rejects.toThrow(/mailbox busy/);
      await expect(notifier.deliver(email('evt-2/reset'))).resolves.toMatchObject({ transport: 'smtp' });
      expect(smtp.received).toHaveLength(1);
    } finally {
      await transport.close();
      await smtp.stop();
    }
  });

  it('writes viewable .eml files and SMS lines under the data dir in the embedded default', async () => {
    await withTempDir('outbox', async (dir) => {
      const notifier = new Notifier(
        new FileMailTransport(join(dir, 'email'), 'no-reply@platform.test'),
        new FileSmsTransport(join(dir, 'sms')),
        new InMemoryDeliveryLog(),
      );
      await notifier.deliver(email('evt-3/invite'));
      await notifier.deliver({
        channel: 'sms',
        to: '+14155550100',
        text: 'Your code',
        idempotencyKey: 'evt-4/sms',
      });
      const files = await readdir(join(dir, 'email'));
      expect(files).toEqual(['evt-3_invite.eml']);
      const eml = await readFile(join(dir, 'email', files[0]!), 'utf8');
      expect(eml).toContain('To: ada@example.com');
      expect(eml).toContain('Subject: Verify your e-mail');
      const sms = (await readFile(join(dir, 'sms', 'sms.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(sms).toEqual([expect.objectContaining({ to: '+14155550100', text: 'Your code' })]);
    });
  });
});
