import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { START, jsonEvent, streamNameFilter } from '@eventstore/db-client';
import { InMemoryCheckpointStore, connectEventStore } from '@app/event-store';
import { InProcessBus, KafkaBus, type BusMessage, type MessageBus } from '@app/messaging';
import { startEventRelay } from '@app/relay';
import { makeTempDir } from '@app/testing';
import { startServerProcess } from './server-process';
import { line, localKafkaBrokerPid, machineCoresBusy, machineCpu, perSecond, runIfMain } from './stats';

const EVENTS = 30_000;

export async function run(): Promise<void> {
  const dir = await makeTempDir('bench-relay');
  const server = await startServerProcess(join(dir, 'store'));
  const client = connectEventStore(server.connectionString);
  const data = {
    orgId: 'org',
    userId: 'user',
    role: 'admin',
    actorId: 'actor',
    at: new Date().toISOString(),
    pad: 'x'.repeat(400),
  };
  for (let i = 0; i < EVENTS / 100; i++) {
    await client.appendToStream(
      `organization-${i % 50}`,
      Array.from({ length: 100 }, () => jsonEvent({ type: 'MemberRoleChanged', data })),
    );
  }
  // The baseline: how fast the client alone reads the same events through the same filtered subscription.
  const t = performance.now();
  const baselineCpu = process.cpuUsage();
  const others = { 'event store': server.pid, 'Kafka broker': localKafkaBrokerPid() };
  const baselineMachine = machineCpu(others);
  let read = 0;
  await new Promise<void>((resolve, reject) => {
    const subscription = client.subscribeToAll({
      fromPosition: START,
      filter: streamNameFilter({ prefixes: ['organization-'] }),
    });
    subscription.on('data', (resolved) => {
      if (resolved.event && ++read === EVENTS) void subscription.unsubscribe().then(resolve, reject);
    });
    subscription.on('error', reject);
  });
  const clientRate = read / ((performance.now() - t) / 1000);
  line(
    `client catch-up of the same events, nothing done with them`,
    `${perSecond(clientRate)} (${coresBusy(baselineCpu, t)} of this process; ${machineCoresBusy(baselineMachine)})`,
    'baseline',
  );
  const buses: [string, () => MessageBus][] = [['in-process bus', () => new InProcessBus()]];
  const brokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean);
  if (brokers?.length) buses.push(['Kafka', () => new KafkaBus({ brokers, clientId: 'bench-relay' })]);
  for (const [name, create] of buses) {
    const bus = create();
    const topic = `bench.relay.${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
    let published = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const started = performance.now();
    const cpu = process.cpuUsage();
    const machine = machineCpu(others);
    const relay = startEventRelay({
      name: `bench-${topic}`,
      client,
      checkpoints: new InMemoryCheckpointStore(),
      streamPrefixes: ['organization-'],
      maxBatchSize: 1_000,
      toMessages: (events): BusMessage[] =>
        events.map((e) => ({
          topic,
          key: e.streamName,
          headers: { ce_id: e.id },
          value: Buffer.from(JSON.stringify(e.event.data)),
        })),
      publish: (messages) => bus.publish(messages),
      onPublished: (count) => {
        published += count;
        if (published >= EVENTS) done();
      },
    });
    await finished;
    const rate = published / ((performance.now() - started) / 1000);
    const busy = `${coresBusy(cpu, started)}; ${machineCoresBusy(machine)}`;
    line(
      `relay to ${name}, batched sends (${published} events)`,
      `${perSecond(rate)} = ${(rate / clientRate).toFixed(2)}x the client's catch-up (${busy})`,
      '>= 30,000/s, or >= 0.9x the client where it caps',
      rate >= 30_000 || rate >= 0.9 * clientRate,
    );
    await relay.stop();
    await bus.close();
  }
  await client.dispose();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

/** How many cores this process kept busy since `since` (a relay that keeps one busy is bound by its own thread). */
function coresBusy(since: NodeJS.CpuUsage, startedAt: number): string {
  const used = process.cpuUsage(since);
  return `${((used.user + used.system) / 1000 / (performance.now() - startedAt)).toFixed(2)} cores busy`;
}

runIfMain(module, run);
