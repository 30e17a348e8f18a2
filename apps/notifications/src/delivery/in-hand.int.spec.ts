import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { readInfrastructureConfig } from '@app/platform';
import { makeTempDir, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { createNotificationsApp } from '../notifications.app';
import { emailRequested } from '../requests/email-requested.testing';
import { startSmtpServer } from './smtp-server.testing';

/**
 * A slow provider does not make deliveries queue one behind another: each consumer works on
 * NOTIFY_IN_HAND_PER_PARTITION of them at once. (Kafka's three partitions alone would give three.)
 */
describe('notifications: deliveries in hand at once', () => {
  const eventStore = useTestEventStore();

  it('with four in hand per partition, four e-mails reach the SMTP server before it answered any', async () => {
    const run = randomUUID().slice(0, 8);
    const mine = (recipients: readonly string[]) => recipients.some((r) => r.startsWith(`in-hand-${run}-`));
    // Only this test's e-mails are held: those other suites left on the shared topic go through at once.
    const smtp = await startSmtpServer({ answerAfterMs: (recipients) => (mine(recipients) ? 2_000 : 0) });
    const dataDir = await makeTempDir('in-hand');
    const infra = {
      ...readInfrastructureConfig({ ...process.env, DATA_DIR: dataDir }),
      eventStoreConnectionString: eventStore.store.connectionString,
    };
    let app: INestApplication | undefined;
    try {
      app = await createNotificationsApp(infra, {
        quiet: true,
        delivery: {
          smtpUrl: smtp.url,
          deliveryLogFile: join(dataDir, 'deliveries.jsonl'),
          inHandPerPartition: 4,
        },
      });
      await app.init();
      const requests = Array.from({ length: 8 }, (_, i) =>
        emailRequested({ template: 'password-changed', to: `in-hand-${run}-${i}@example.com` }),
      );
      await app.get<MessageBus>(MESSAGE_BUS).publish(requests.map((r) => r.message));

      const arrived = () => smtp.arrived.filter((to) => mine([to])).length;
      const answered = () => smtp.received.filter((m) => mine(m.to)).length;
      await waitFor(() => arrived() >= 4, { what: 'four e-mails on their way at once' });
      expect(answered()).toBe(0);

      await waitFor(() => answered() === requests.length, { timeoutMs: 30_000, what: 'every e-mail' });
    } finally {
      await app?.close();
      await smtp.stop();
    }
  }, 60_000);
});
