import { open, rm, stat } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { jsonEvent, START, type EventStoreDBClient } from '@eventstore/db-client';
import { startEmbeddedEventStore } from '@app/eventstore-server';
import { connectEventStore } from '@app/event-store';
import { makeTempDir } from '@app/testing';
import { startServerProcess } from './server-process';
import { grpcEchoBaseline } from './grpc-echo';
import { ThinAppendClient } from './thin-append-client';
import { line, machineCoresBusy, machineCpu, ms, perSecond, summarize, runIfMain } from './stats';

const payload = {
  orgId: 'org-1',
  userId: 'user-1',
  role: 'admin',
  actorId: 'user-2',
  at: new Date().toISOString(),
};
/**
 * Appends made before a figure is taken. A fresh server (and client) needs several thousand before its p99 settles:
 * over the first 2,000 a single writer's p99 is 3-4 ms, with fdatasync or without, while V8 is still compiling the
 * hot paths; after about 8,000 it is 0.3 ms without fdatasync (bench/eventstore-server, 2 Dec).
 */
const WARM_UP_APPENDS = 10_000;
/**
 * Appends eight writers make before the figures of several writers. A server warmed up by one writer is not warm for
 * groups of appends: eight thin writers' rounds of 4,000 appends ran at 6,447, 8,096, 9,117 and 11,370/s, alternating
 * with rounds of an earlier client that rose likewise (a scratch run, 7 Dec).
 */
const CONCURRENT_WARM_UP_APPENDS = 20_000;
const event = () => jsonEvent({ type: 'MemberRoleChanged', data: payload, metadata: { actor: 'user-2' } });

function heapAfterCollecting(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/**
 * The disk's own cost of durability: 4 KiB write + fdatasync in a loop, on the data dir's filesystem, each write
 * growing the file; with `inRoom`, into a file zero-filled beforehand, as the server writes its log.
 */
async function fdatasyncBaseline(
  dir: string,
  iterations: number,
  inRoom = false,
): Promise<{ p50: number; p99: number; rate: number }> {
  const handle = await open(join(dir, inRoom ? 'fsync-probe-room' : 'fsync-probe'), 'w');
  const block = Buffer.alloc(4096, 7);
  if (inRoom) {
    await handle.write(Buffer.alloc(iterations * block.length), 0, iterations * block.length, 0);
    await handle.datasync();
  }
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await handle.write(block, 0, block.length, i * block.length);
    await handle.datasync();
    samples.push(performance.now() - t);
  }
  const elapsed = (performance.now() - started) / 1000;
  await handle.close();
  return { ...summarize(samples), rate: iterations / elapsed };
}

/** Share of one core this (client) process used while `work` ran. */
async function withClientCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpu: string }> {
  const started = performance.now();
  const before = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(before);
  const share = (used.user + used.system) / 1000 / (performance.now() - started);
  return { result, cpu: `client CPU ${Math.round(share * 100)}%` };
}

/** `writers` appending at once (`total` appends), each waiting for its append before the next: appends per second. */
async function concurrentThinAppends(
  thin: ThinAppendClient,
  writers: number,
  prefix: string,
  total = 4000,
): Promise<number> {
  const perWriter = Math.round(total / writers);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) await thin.append(`${prefix}-${w}`);
    }),
  );
  return (writers * perWriter) / ((performance.now() - started) / 1000);
}

async function serialAppends(client: EventStoreDBClient, count: number) {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await client.appendToStream('bench-serial', event());
    samples.push(performance.now() - t);
  }
  return { ...summarize(samples), rate: count / ((performance.now() - started) / 1000) };
}

async function concurrentAppends(
  client: EventStoreDBClient,
  writers: number,
  perWriter: number,
  batch: number,
) {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        await client.appendToStream(`bench-w${w}-b${batch}`, Array.from({ length: batch }, event));
      }
    }),
  );
  return (writers * perWriter * batch) / ((performance.now() - started) / 1000);
}

export async function run(): Promise<void> {
  const dir = await makeTempDir('bench-esdb');
  const baseline = await fdatasyncBaseline(dir, 2000);
  line('disk fdatasync (4 KiB) p50 / p99', `${ms(baseline.p50)} / ${ms(baseline.p99)}`);
  line('disk fdatasync serial rate', perSecond(baseline.rate), 'baseline of the 3x targets');
  const inRoom = await fdatasyncBaseline(dir, 2000, true);
  line(
    'disk fdatasync into a zero-filled file (as the log is written): p50 / p99; rate',
    `${ms(inRoom.p50)} / ${ms(inRoom.p99)}; ${perSecond(inRoom.rate)} = ${(inRoom.rate / baseline.rate).toFixed(2)}x`,
    'figure',
  );

  const server = await startServerProcess(join(dir, 'store'));
  const client = connectEventStore(server.connectionString);
  await serialAppends(client, WARM_UP_APPENDS);
  const one = await withClientCpu(() => serialAppends(client, 1000));
  line(
    '1 writer append p50 / p99',
    `${ms(one.result.p50)} / ${ms(one.result.p99)}`,
    `p99 <= ${ms(baseline.p99 + 1)}`,
    one.result.p99 <= baseline.p99 + 1,
  );
  line(
    '1 writer appends',
    `${perSecond(one.result.rate)}, ${one.cpu}`,
    '>= 1,000/s',
    one.result.rate >= 1000,
  );

  await concurrentAppends(client, 8, CONCURRENT_WARM_UP_APPENDS / 8, 1);
  const eight = await withClientCpu(() => concurrentAppends(client, 8, 400, 1));
  line(
    `8 writers appends (after ${CONCURRENT_WARM_UP_APPENDS.toLocaleString('en-US')} appends of 8)`,
    `${perSecond(eight.result)}, ${eight.cpu}`,
    `>= 3x fdatasync = ${perSecond(3 * baseline.rate)}`,
    eight.result >= 3 * baseline.rate,
  );
  line('8 writers / serial fdatasync rate', `${(eight.result / baseline.rate).toFixed(2)}x`);
  const batched = await withClientCpu(() => concurrentAppends(client, 8, 150, 10));
  line(
    '8 writers, batches of 10: events',
    `${perSecond(batched.result)}, ${batched.cpu}`,
    '>= 20,000/s',
    batched.result >= 20_000,
  );

  const read = await withClientCpu(async () => {
    const t = performance.now();
    let n = 0;
    for await (const _ of client.readAll({ fromPosition: START })) n++;
    return { n, rate: n / ((performance.now() - t) / 1000) };
  });
  const total = read.result.n;
  line(
    `read $all through the client (${total} events)`,
    `${perSecond(read.result.rate)}, ${read.cpu}`,
    '>= 60,000/s',
    read.result.rate >= 60_000,
  );

  const catchUp = await withClientCpu(async () => {
    const t = performance.now();
    let n = 0;
    await new Promise<void>((resolve, reject) => {
      const sub = client.subscribeToAll({ fromPosition: START });
      sub.on('data', () => {
        if (++n === total) void sub.unsubscribe().then(resolve, reject);
      });
      sub.on('error', reject);
    });
    return n / ((performance.now() - t) / 1000);
  });
  line(
    `catch-up subscription to $all (${total} events)`,
    `${perSecond(catchUp.result)}, ${catchUp.cpu}`,
    '>= 60,000/s',
    catchUp.result >= 60_000,
  );
  await client.dispose();

  // The same targets with the client out of the way: raw gRPC appends, each message built in a few microseconds.
  const thin = new ThinAppendClient(server.connectionString, payload);
  const thinSerial = async (count: number) => {
    const samples: number[] = [];
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await thin.append('bench-thin-serial');
      samples.push(performance.now() - t);
    }
    return { ...summarize(samples), rate: count / ((performance.now() - started) / 1000) };
  };
  const thinCold = await thinSerial(1000);
  line(
    'thin gRPC client, 1 writer, its first 1,000 appends: p50 / p99',
    `${ms(thinCold.p50)} / ${ms(thinCold.p99)}`,
    'figure: both processes still warming up',
  );
  await thinSerial(WARM_UP_APPENDS);
  const thinOne = await withClientCpu(() => thinSerial(2000));
  line(
    `thin gRPC client, 1 writer, after ${WARM_UP_APPENDS.toLocaleString('en-US')} more: append p50 / p99`,
    `${ms(thinOne.result.p50)} / ${ms(thinOne.result.p99)}, ${thinOne.cpu}`,
    `p99 <= ${ms(baseline.p99 + 1)}`,
    thinOne.result.p99 <= baseline.p99 + 1,
  );
  line('thin gRPC client, 1 writer: appends', perSecond(thinOne.result.rate));
  const eightCold = await concurrentThinAppends(thin, 8, 'bench-thin-w8-first');
  line(
    'thin gRPC client, 8 writers, their first 4,000 appends',
    `${perSecond(eightCold)} = ${(eightCold / baseline.rate).toFixed(2)}x the serial fdatasync rate`,
    'figure: the server still warming up for groups',
  );
  await concurrentThinAppends(thin, 8, 'bench-thin-warm-up', CONCURRENT_WARM_UP_APPENDS);
  for (const writers of [8, 32]) {
    const machine = machineCpu({ server: server.pid });
    const many = await withClientCpu(() => concurrentThinAppends(thin, writers, `bench-thin-w${writers}`));
    line(
      `thin gRPC client, ${writers} writers (after ${CONCURRENT_WARM_UP_APPENDS.toLocaleString('en-US')} appends of 8): appends`,
      `${perSecond(many.result)} = ${(many.result / baseline.rate).toFixed(2)}x the serial fdatasync rate ` +
        `(${(many.result / inRoom.rate).toFixed(2)}x into a zero-filled file), ${many.cpu}; ${machineCoresBusy(machine)}`,
      writers === 8 ? `>= 3x fdatasync = ${perSecond(3 * baseline.rate)}` : 'figure',
      writers === 8 ? many.result >= 3 * baseline.rate : undefined,
    );
  }
  thin.close();
  await server.stop();

  // Where a single writer's time goes besides the disk: the same appends to a server that skips fdatasync, and a
  // bare grpc-js round trip between two processes that stores nothing.
  const unsynced = await startServerProcess(join(dir, 'unsynced'), { fsync: false });
  const thinUnsynced = new ThinAppendClient(unsynced.connectionString, payload);
  const unsyncedSerial = async (count: number) => {
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await thinUnsynced.append('bench-thin-unsynced');
      samples.push(performance.now() - t);
    }
    return summarize(samples);
  };
  await unsyncedSerial(WARM_UP_APPENDS);
  const noDisk = await unsyncedSerial(2000);
  await concurrentThinAppends(thinUnsynced, 8, 'bench-thin-unsynced-warm-up', CONCURRENT_WARM_UP_APPENDS);
  // What eight writers get with no disk at all: the ceiling the transport and the server's own work set on this machine.
  const unsyncedMachine = machineCpu({ server: unsynced.pid });
  const eightNoDisk = await withClientCpu(() =>
    concurrentThinAppends(thinUnsynced, 8, 'bench-thin-unsynced-w8'),
  );
  const eightNoDiskCores = machineCoresBusy(unsyncedMachine);
  thinUnsynced.close();
  await unsynced.stop();
  line(
    '  same, server without fdatasync: p50 / p99',
    `${ms(noDisk.p50)} / ${ms(noDisk.p99)}`,
    'the server and transport alone',
  );
  line(
    '  same, server without fdatasync: 8 writers appends',
    `${perSecond(eightNoDisk.result)} = ${(eightNoDisk.result / baseline.rate).toFixed(2)}x the serial fdatasync rate, ` +
      `${eightNoDisk.cpu}; ${eightNoDiskCores}`,
    'the ceiling without a disk',
  );
  const echo = await grpcEchoBaseline(400);
  line(
    '  bare grpc-js round trip, 2 processes, no store: p50 / p99; 8 in flight',
    `${ms(echo.p50)} / ${ms(echo.p99)}; ${perSecond(echo.rateAt8)}`,
    'the transport alone',
  );

  // Restart with 100k events: fill without fsync (the restart cost is the scan, not how the data got there).
  const bigDir = join(dir, 'big');
  const filler = await startEmbeddedEventStore({ dataDir: bigDir, port: 0, fsync: false });
  const fillClient = connectEventStore(filler.connectionString);
  for (let i = 0; i < 1000; i++) {
    await fillClient.appendToStream(`org-${i % 100}`, Array.from({ length: 100 }, event));
  }
  await fillClient.dispose();
  await filler.close();
  const heapBefore = heapAfterCollecting();
  const restartStarted = performance.now();
  const restarted = await startEmbeddedEventStore({ dataDir: bigDir, port: 0 });
  const restartMs = performance.now() - restartStarted;
  const heapPerEvent = (heapAfterCollecting() - heapBefore) / restarted.eventCount;
  const logPerEvent = (await stat(join(bigDir, 'events.log'))).size / restarted.eventCount;
  line(
    `restart with ${restarted.eventCount.toLocaleString('en-US')} events`,
    ms(restartMs),
    '< 1,000 ms',
    restartMs < 1000,
  );
  // What a major collection of the store's process has to mark grows with this (cold loads wait on it).
  line(
    'heap held per event / log bytes per event',
    `${heapPerEvent.toFixed(0)} B / ${logPerEvent.toFixed(0)} B`,
  );
  await restarted.close();
  await rm(dir, { recursive: true, force: true });
}

runIfMain(module, run);
