import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { MESSAGE_BUS, type MessageBus } from '@app/messaging';
import { readInfrastructureConfig } from '@app/platform';
import { describeIf, infraEnv, makeTempDir, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { createNotificationsApp } from '../notifications.app';
import { emailRequested } from '../requests/email-requested.testing';
import { startSmtpServer } from './smtp-server.testing';

/** Two instances of the service in one consumer group on Kafka, sharing the delivery log in MongoDB. */
describeIf(infraEnv.kafkaBrokers && infraEnv.mongoUrl)(
  'two notifications instances in one consumer group',
  () => {
    const eventStore = useTestEventStore();
    let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
    const instances: INestApplication[] = [];

    beforeAll(async () => {
      smtp = await startSmtpServer();
      const infra = {
        ...readInfrastructureConfig({ ...process.env, DATA_DIR: await makeTempDir('two-instances') }),
        eventStoreConnectionString: eventStore.store.connectionString,
      };
      for (let i = 0; i < 2; i++) {
        const app = await createNotificationsApp(infra, {
          quiet: true,
          delivery: { smtpUrl: smtp.url, deliveryLogFile: join(infra.dataDir, `unused-${i}.jsonl`) },
        });
        await app.init();
        instances.push(app);
      }
    }, 60_000);
    afterAll(async () => {
      for (const app of instances) await app.close();
      await smtp.stop();
    });

    it('send each requested e-mail once between them', async () => {
      const run = randomUUID().slice(0, 8);
      const addresses = Array.from({ length: 30 }, (_, i) => `two-${run}-${i}@example.com`);
      await instances[0]!
        .get<MessageBus>(MESSAGE_BUS)
        .publish(addresses.map((to) => emailRequested({ template: 'password-changed', to }).message));
      const mine = () => smtp.received.filter((m) => m.to.some((to) => to.startsWith(`two-${run}-`)));
      await waitFor(() => mine().length >= addresses.length, { timeoutMs: 30_000, what: 'every e-mail' });
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // a duplicate would arrive by now
      expect(
        mine()
          .map((m) => m.to[0])
          .sort(),
      ).toEqual([...addresses].sort());
    });
  },
);
