import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { readInfrastructureConfig } from '@app/platform';
import { makeTempDir } from '@app/testing';
import { startSmtpServer, type SmtpServerBehaviour } from './delivery/smtp-server.testing';
import { createNotificationsApp } from './notifications.app';

/**
 * The notifications service on the configured bus and `eventStoreConnectionString`, mailing a real SMTP server (that
 * behaves as `smtp` says); links on `publicUrl` (the requesting service's, which notifications mails links to only).
 */
export async function startNotificationsOverSmtp(
  eventStoreConnectionString: string,
  {
    publicUrl,
    smtp: behaviour,
    retry,
  }: { publicUrl?: string; smtp?: SmtpServerBehaviour; retry?: { initialBackoffMs?: number } } = {},
): Promise<{
  smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  notifications: INestApplication;
  close: () => Promise<void>;
}> {
  const smtp = await startSmtpServer(behaviour);
  const notifications = await createNotificationsApp(
    { ...readInfrastructureConfig(), eventStoreConnectionString },
    {
      quiet: true,
      delivery: {
        smtpUrl: smtp.url,
        mailFrom: 'no-reply@platform.test',
        deliveryLogFile: join(await makeTempDir('deliveries'), 'deliveries.jsonl'),
        ...(publicUrl ? { publicUrl } : {}),
        ...(retry ? { retry } : {}),
      },
    },
  );
  await notifications.init();
  return {
    smtp,
    notifications,
    close: async () => {
      await notifications.close();
      await smtp.stop();
    },
  };
}
