import { randomUUID } from 'node:crypto';
import {
  InProcessBus,
  KafkaBus,
  RequestReplyClient,
  serveRequests,
  type BusMessage,
  type MessageBus,
} from '@app/messaging';
import { line, ms, perSecond, summarize, runIfMain } from './stats';

const body600 = Buffer.alloc(600, 'x');
const message = (topic: string, i: number, sentAt = performance.now()): BusMessage => ({
  topic,
  key: `org-${i % 100}`,
  headers: { sent_at: String(sentAt) },
  value: body600,
});

/** End-to-end latency (publish -> handler) at a paced rate. */
async function pacedLatency(
  bus: MessageBus,
  ratePerSecond: number,
  count: number,
): Promise<{ p50: number; p99: number }> {
  const topic = `bench.latency.${randomUUID().slice(0, 8)}`;
  await bus.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
  const samples: number[] = [];
  let warm = 0;
  const sub = await bus.subscribe({
    groupId: `bench-${topic}`,
    topics: [topic],
    handler: async (m) => {
      if (m.headers.warmup) warm++;
      else samples.push(performance.now() - Number(m.headers.sent_at));
    },
  });
  // Warm up until the consumer is assigned and fetching.
  while (warm === 0) {
    await bus.publish([{ ...message(topic, 0), headers: { warmup: '1', sent_at: '0' } }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const interval = 1000 / ratePerSecond;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    void bus.publish([message(topic, i)]);
  }
  const deadline = Date.now() + 30_000;
  while (samples.length < count && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  await sub.close();
  return summarize(samples);
}

/**
 * Request/reply round trips through a responder that answers at once, paced at `ratePerSecond` (or one after
 * another when 0): the bus's own cost of a command, without any handling.
 */
async function roundTrips(
  bus: MessageBus,
  ratePerSecond: number,
  count: number,
): Promise<{ p50: number; p99: number }> {
  const topic = `bench.requests.${randomUUID().slice(0, 8)}`;
  await bus.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
  const responder = await serveRequests(bus, {
    groupId: `bench-${topic}`,
    topic,
    handler: async (payload) => ({ echo: payload }),
  });
  const client = await RequestReplyClient.start(bus, `bench-${topic}`);
  for (let warm = 0; warm < 20; warm++) await client.request(topic, `org-${warm}`, { warm }, { timeoutMs: 60_000 });
  const samples: number[] = [];
  const interval = ratePerSecond > 0 ? 1000 / ratePerSecond : 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const sentAt = performance.now();
    const trip = client
      .request(topic, `org-${i % 100}`, { i }, { timeoutMs: 30_000 })
      .then(() => void samples.push(performance.now() - sentAt));
    if (interval === 0) await trip;
    else {
      inFlight.push(trip);
      const wait = started + (i + 1) * interval - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  await Promise.all(inFlight);
  await client.close();
  await responder.close();
  return summarize(samples);
}

/** Batched publish throughput (acknowledged), then a fresh group consuming all of it. */
async function throughput(
  bus: MessageBus,
  count: number,
  batch: number,
): Promise<{ publish: number; consume: number }> {
  const topic = `bench.throughput.${randomUUID().slice(0, 8)}`;
  await bus.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
  let t = performance.now();
  for (let i = 0; i < count; i += batch) {
    await bus.publish(Array.from({ length: Math.min(batch, count - i) }, (_, j) => message(topic, i + j)));
  }
  const publish = count / ((performance.now() - t) / 1000);
  let received = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  t = performance.now();
  const sub = await bus.subscribe({
    groupId: `bench-${topic}`,
    topics: [topic],
    fromBeginning: true,
    handler: async () => {
      if (++received === count) done();
    },
  });
  await all;
  const consume = count / ((performance.now() - t) / 1000);
  await sub.close();
  return { publish, consume };
}

export async function run(): Promise<void> {
  const inProcess = new InProcessBus();
  const ipLatency = await pacedLatency(inProcess, 5_000, 20_000);
  line(
    'in-process end-to-end latency p50 / p99',
    `${ms(ipLatency.p50)} / ${ms(ipLatency.p99)}`,
    'p99 <= 1 ms',
    ipLatency.p99 <= 1,
  );
  const ip = await throughput(inProcess, 300_000, 1_000);
  line('in-process publish (batches of 1,000)', perSecond(ip.publish));
  line('in-process consume', perSecond(ip.consume), '>= 200,000/s', ip.consume >= 200_000);
  await inProcess.close();

  const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean);
  if (!brokers?.length) {
    console.log('Kafka figures skipped: set KAFKA_BROKERS (npm run infra:up) to measure them');
    return;
  }
  const kafka = new KafkaBus({ brokers, clientId: 'bench' });
  const latency = await pacedLatency(kafka, 1_000, 5_000);
  line('Kafka end-to-end latency at 1,000 msg/s, 600 B: p50', ms(latency.p50), '<= 5 ms', latency.p50 <= 5);
  line('Kafka end-to-end latency at 1,000 msg/s, 600 B: p99', ms(latency.p99), '<= 20 ms', latency.p99 <= 20);
  const oneWay = await pacedLatency(kafka, 200, 2_000);
  const sequential = await roundTrips(kafka, 0, 500);
  const paced = await roundTrips(kafka, 200, 2_000);
  line('Kafka one-way latency at 200/s: p50 / p99', `${ms(oneWay.p50)} / ${ms(oneWay.p99)}`, 'baseline');
  line(
    'Kafka request/reply, one after another: p50 / p99',
    `${ms(sequential.p50)} / ${ms(sequential.p99)} = ${(sequential.p50 / oneWay.p50).toFixed(2)}x one-way p50`,
    '<= 3x one-way',
    sequential.p50 <= 3 * oneWay.p50,
  );
  line(
    'Kafka request/reply at 200/s: p50 / p99',
    `${ms(paced.p50)} / ${ms(paced.p99)} = ${(paced.p50 / oneWay.p50).toFixed(2)}x one-way p50`,
    'p50 <= 3x one-way, p99 <= 20 ms',
    paced.p50 <= 3 * oneWay.p50 && paced.p99 <= 20,
  );
  const k = await throughput(kafka, 100_000, 1_000);
  line('Kafka publish, batches of 1,000, acks=all', perSecond(k.publish), '>= 30,000/s', k.publish >= 30_000);
  line(
    'Kafka consume (one subscriber, 3 partitions)',
    perSecond(k.consume),
    '>= 20,000/s',
    k.consume >= 20_000,
  );
  await kafka.close();
}

runIfMain(module, run);
