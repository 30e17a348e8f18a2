import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { KafkaBus } from '@app/messaging';
import { freePort, makeTempDir } from '@app/testing';
import { startSmtpServer } from '../apps/notifications/src/delivery/smtp-server.testing';
import { emailRequested } from '../apps/notifications/src/requests/email-requested.testing';
import { startServerProcess } from './server-process';
import { line, ms, perSecond, runIfMain, summarize } from './stats';

const LATENCY_RATE = 100;
const LATENCY_EVENTS = 1_000;
/** The backlog drained: smaller on MongoDB, where FerretDB's per-write cost grows with the collection. */
const BACKLOG = { file: 3_000, mongo: 600 };

/**
 * Notifications as deployed: the service in its own process (`main.ts`) on Kafka, a real SMTP server in this one that
 * accepts at once. Latency is from the event's publish on Kafka to the e-mail accepted by the SMTP server, at a paced
 * 100 events/s; throughput is a backlog drained, per core of the service's own CPU time. With MONGO_URL the delivery
 * log is in MongoDB (FerretDB here), else in the file under DATA_DIR: both are measured when both are available.
 */
export async function run(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean);
  if (!brokers?.length) {
    console.log('notifications: skipped (needs KAFKA_BROKERS; npm run infra:up)');
    return;
  }
  const logs: [string, string | undefined][] = [['delivery log in a file', undefined]];
  if (process.env.MONGO_URL) logs.push(['delivery log in MongoDB', process.env.MONGO_URL]);
  const dir = await makeTempDir('bench-notifications');
  const store = await startServerProcess(join(dir, 'store'));
  const bus = new KafkaBus({ brokers, clientId: 'bench-notifications' });
  const arrivals = new Map<string, number>();
  const smtp = await startSmtpServer({ onReceived: (m) => arrivals.set(m.to[0]!, performance.now()) });
  try {
    for (const [name, mongoUrl] of logs) {
      const service = await startService({
        ...process.env,
        DATA_DIR: join(dir, randomUUID()),
        EVENTSTORE_CONNECTION_STRING: store.connectionString,
        SMTP_URL: smtp.url,
        LOG_LEVEL: 'warn',
        MONGO_URL: mongoUrl ?? '',
      });
      try {
        await warmUp(bus, arrivals);
        const latency = await pacedLatency(bus, arrivals);
        line(
          `notifications (${name}): p50 / p99 at ${LATENCY_RATE}/s`,
          `${ms(latency.p50)} / ${ms(latency.p99)}` +
            (latency.missing ? ` (${latency.missing} of ${LATENCY_EVENTS} not there after 60 s)` : ''),
          'p99 <= 100 ms',
          latency.p99 <= 100,
        );
        const size = mongoUrl ? BACKLOG.mongo : BACKLOG.file;
        const drained = await backlog(bus, arrivals, service.cpuSeconds, size);
        line(
          `notifications (${name}): backlog of ${size}`,
          `${perSecond(drained.rate)}, ${drained.cpu.toFixed(2)} cores busy: ${perSecond(drained.perCore)} per core`,
          '>= 500/s per core',
          drained.perCore >= 500,
        );
        if (mongoUrl) {
          const ceiling = await storeCeiling(mongoUrl);
          line(
            '  baseline: the store alone, a claim + a finish each',
            `${perSecond(ceiling)} (the service reached ${(drained.rate / ceiling).toFixed(2)}x)`,
          );
        }
      } finally {
        await service.stop();
      }
    }
  } finally {
    await bus.close();
    await smtp.stop();
    await store.stop();
  }
}

/** What the delivery log's store allows: an insert and a guarded update per delivery, three at once as the service. */
async function storeCeiling(mongoUrl: string): Promise<number> {
  const client = await MongoClient.connect(mongoUrl);
  const collection = client
    .db()
    .collection<{ _id: string; status: string; leaseToken: string; attempts: number }>(
      `bench_deliveries_${randomUUID().slice(0, 8)}`,
    );
  const perWorker = 200;
  const started = performance.now();
  await Promise.all(
    [0, 1, 2].map(async (worker) => {
      for (let i = 0; i < perWorker; i++) {
        const _id = `${worker}-${i}`;
        await collection.insertOne({ _id, status: 'pending', leaseToken: 't', attempts: 0 });
        await collection.updateOne({ _id, status: 'pending', leaseToken: 't' }, { $set: { status: 'sent' } });
      }
    }),
  );
  const rate = (3 * perWorker) / ((performance.now() - started) / 1000);
  await collection.drop();
  await client.close();
  return rate;
}

async function startService(
  env: NodeJS.ProcessEnv,
): Promise<{ stop: () => Promise<void>; cpuSeconds: () => number }> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, '../apps/notifications/src/main.ts')],
    { env: { ...env, HOST: '127.0.0.1', PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok) {
    if (Date.now() > deadline) throw new Error('notifications did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ticksPerSecond = 100; // USER_HZ on Linux
  return {
    cpuSeconds: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime + stime
    },
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

const request = (to: string) => emailRequested({ template: 'password-changed', to }).message;

/** True when every one arrived within `timeoutMs`. */
async function waitForArrivals(arrivals: Map<string, number>, addresses: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (addresses.some((a) => !arrivals.has(a))) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/** Until the service is consuming (and whatever was left on the topic is through). */
async function warmUp(bus: KafkaBus, arrivals: Map<string, number>): Promise<void> {
  const addresses = Array.from({ length: 20 }, () => `warm-${randomUUID()}@example.com`);
  await bus.publish(addresses.map(request));
  if (!(await waitForArrivals(arrivals, addresses, 120_000))) throw new Error('the service never delivered');
}

async function pacedLatency(bus: KafkaBus, arrivals: Map<string, number>) {
  const published = new Map<string, number>();
  const started = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    const wait = started + (i * 1000) / LATENCY_RATE - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const to = `lat-${randomUUID()}@example.com`;
    published.set(to, performance.now());
    sends.push(bus.publish([request(to)]));
  }
  await Promise.all(sends);
  await waitForArrivals(arrivals, [...published.keys()], 60_000);
  const latencies = [...published]
    .filter(([to]) => arrivals.has(to))
    .map(([to, at]) => arrivals.get(to)! - at);
  // An e-mail still missing a minute later counts as a minute: the service did not keep up.
  const missing = published.size - latencies.length;
  return { ...summarize([...latencies, ...Array<number>(missing).fill(60_000)]), missing };
}

async function backlog(bus: KafkaBus, arrivals: Map<string, number>, cpuSeconds: () => number, size: number) {
  const addresses = Array.from({ length: size }, () => `bulk-${randomUUID()}@example.com`);
  const cpuBefore = cpuSeconds();
  const started = performance.now();
  for (let i = 0; i < addresses.length; i += 500) await bus.publish(addresses.slice(i, i + 500).map(request));
  if (!(await waitForArrivals(arrivals, addresses, 300_000))) return { rate: 0, cpu: 0, perCore: 0 };
  const seconds = (Math.max(...addresses.map((a) => arrivals.get(a)!)) - started) / 1000;
  const cpu = (cpuSeconds() - cpuBefore) / seconds;
  const rate = addresses.length / seconds;
  return { rate, cpu, perCore: rate / Math.max(cpu, 0.01) };
}

runIfMain(module, run);
