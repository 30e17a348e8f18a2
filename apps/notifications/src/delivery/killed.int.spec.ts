import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { KafkaBus } from '@app/messaging';
import { describeIf, freePort, infraEnv, makeTempDir, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { emailRequested } from '../requests/email-requested.testing';
import { MongoDeliveryLog, NOTIFICATIONS_DB } from './mongo-delivery-log';
import { startSmtpServer } from './smtp-server.testing';

const LEASE_MS = 3_000;
/** Deliveries in hand per partition, set small so that the bound below says something. */
const IN_HAND_PER_PARTITION = 2;
/** Partitions a consumer works on at once, times what it takes of each: at most this many are in hand at a kill. */
const IN_HAND_PER_KILL = 3 * IN_HAND_PER_PARTITION;

const idempotencyKeyOf = (raw: string) => /^X-Idempotency-Key: (.+)$/im.exec(raw)?.[1]?.trim();

/**
 * The notifications service as it runs in production (its own process, `main.ts`, configured by environment) on Kafka
 * and FerretDB, killed with SIGKILL twice while it works through a backlog and started again each time.
 */
describeIf(infraEnv.kafkaBrokers && infraEnv.mongoUrl)('notifications killed with SIGKILL mid-batch', () => {
  const eventStore = useTestEventStore();

  it('every requested e-mail arrives, recorded sent; only what was in hand at a kill can arrive again, with its idempotency key', async () => {
    const smtp = await startSmtpServer();
    const port = await freePort();
    const env = {
      ...process.env,
      DATA_DIR: await makeTempDir('killed'),
      EVENTSTORE_CONNECTION_STRING: eventStore.store.connectionString,
      SMTP_URL: smtp.url,
      NOTIFY_LEASE_MS: String(LEASE_MS),
      NOTIFY_IN_HAND_PER_PARTITION: String(IN_HAND_PER_PARTITION),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    };
    const start = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../main.ts')], {
        env,
        stdio: 'ignore',
      });
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok,
        { timeoutMs: 60_000, what: 'the service ready' },
      );
      return child;
    };
    const kill = async (child: ChildProcess) => {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    };
    const bus = new KafkaBus({ brokers: [...infraEnv.kafkaBrokers!], clientId: 'kill-test' });
    const log = await MongoDeliveryLog.connect(infraEnv.mongoUrl!, undefined, NOTIFICATIONS_DB);
    let child = await start();
    try {
      const run = randomUUID().slice(0, 8);
      const requests = Array.from({ length: 200 }, (_, i) =>
        emailRequested({ template: 'password-changed', to: `kill-${run}-${i}@example.com` }),
      );
      await bus.publish(requests.map((r) => r.message));
      const mine = () => smtp.received.filter((m) => m.to[0]?.startsWith(`kill-${run}-`));
      const distinct = () => new Set(mine().map((m) => m.to[0])).size;

      for (const after of [40, 110]) {
        await waitFor(() => distinct() >= after, { timeoutMs: 60_000, what: `${after} e-mails` });
        await kill(child);
        child = await start();
      }
      await waitFor(() => distinct() === requests.length, { timeoutMs: 120_000, what: 'every e-mail' });
      // The log records a delivery once the SMTP server has answered it: a moment after the mail arrived.
      const recordOf = (i: number) => log.find(`${requests[i]!.id}|email|kill-${run}-${i}@example.com`);
      await waitFor(
        async () =>
          (await Promise.all(requests.map((_, i) => recordOf(i)))).every(
            (record) => record?.status === 'sent',
          ),
        { timeoutMs: 30_000, intervalMs: 200, what: 'every delivery recorded' },
      );
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 1_000)); // a late second copy would be here now

      const received = mine();
      const duplicates = received.length - requests.length;
      expect(duplicates).toBeLessThanOrEqual(2 * IN_HAND_PER_KILL);
      const keysByAddress = new Map<string, Set<string | undefined>>();
      for (const m of received) {
        const keys = keysByAddress.get(m.to[0]!) ?? new Set();
        keys.add(idempotencyKeyOf(m.raw));
        keysByAddress.set(m.to[0]!, keys);
      }
      for (const r of requests) {
        const to = `kill-${run}-${requests.indexOf(r)}@example.com`;
        expect([...keysByAddress.get(to)!]).toEqual([r.id]);
        expect(await log.find(`${r.id}|email|${to}`)).toMatchObject({ status: 'sent' });
      }
    } finally {
      // Gracefully this time: a killed member stays in the shared consumer groups for its session's length, holding
      // up the next suite's services as they join.
      const killLater = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.kill('SIGTERM');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      clearTimeout(killLater);
      await bus.close();
      await log.close();
      await smtp.stop();
    }
  }, 300_000);
});
