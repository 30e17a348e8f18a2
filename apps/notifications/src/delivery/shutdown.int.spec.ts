import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { readInfrastructureConfig } from '@app/platform';
import { makeTempDir, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { createNotificationsApp } from '../notifications.app';
import { emailRequested } from '../requests/email-requested.testing';
import { LocalDeliveryLog, type DeliveryLog } from './delivery-log';
import { MongoDeliveryLog, NOTIFICATIONS_DB } from './mongo-delivery-log';
import { startSmtpServer } from './smtp-server.testing';

/**
 * Stopping the service while an e-mail is on its way: the consumer stops first and the attempt ends, then the delivery
 * log closes. Were the log closed under the attempt, the delivery would keep its lease, and the next instance would
 * wait that lease out (a minute) before sending anything behind it on its partition.
 */
describe('notifications stopped during a send', () => {
  const eventStore = useTestEventStore();

  it('records the e-mail sent and frees its lease before the delivery log closes', async () => {
    const to = `stop-${randomUUID().slice(0, 8)}@example.com`;
    // Only this test's e-mail is held: e-mails other suites left on the shared topic go through at once before it.
    const smtp = await startSmtpServer({
      answerAfterMs: (recipients) => (recipients.includes(to) ? 1_000 : 0),
    });
    const dataDir = await makeTempDir('shutdown');
    const deliveryLogFile = join(dataDir, 'deliveries.jsonl');
    const infra = {
      ...readInfrastructureConfig({ ...process.env, DATA_DIR: dataDir }),
      eventStoreConnectionString: eventStore.store.connectionString,
    };
    let app: INestApplication | undefined = await createNotificationsApp(infra, {
      quiet: true,
      delivery: { smtpUrl: smtp.url, deliveryLogFile },
    });
    let log: DeliveryLog | undefined;
    try {
      await app.init();
      const request = emailRequested({ template: 'password-changed', to });
      await app.get<MessageBus>(MESSAGE_BUS).publish([request.message]);
      const mine = () => smtp.received.filter((m) => m.to.includes(to));
      await waitFor(() => smtp.arrived.includes(to), { what: 'the e-mail on its way' });
      expect(mine()).toHaveLength(0);

      await app.close();
      app = undefined;

      expect(mine()).toHaveLength(1);
      // and its pooled SMTP connections are closed (an open one would hold the SMTP server's own shutdown)
      await waitFor(() => smtp.openConnections() === 0, { what: 'the SMTP connections closed' });
      log = infra.mongoUrl
        ? await MongoDeliveryLog.connect(infra.mongoUrl, undefined, NOTIFICATIONS_DB)
        : new LocalDeliveryLog(deliveryLogFile);
      const delivery = await log.find(`${request.id}|email|${to}`);
      expect(delivery).toMatchObject({ status: 'sent', attempts: 1 });
      expect(delivery!.leaseUntil).toBeUndefined();
    } finally {
      await app?.close();
      await log?.close();
      await smtp.stop();
    }
  });
});
