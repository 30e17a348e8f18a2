import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** Small helpers for printing benchmark figures. */
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))]!;
}

export function summarize(samplesMs: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length),
  };
}

export function line(name: string, value: string, target?: string, ok?: boolean): void {
  const verdict = ok === undefined ? '' : ok ? '  [meets target]' : '  [MISSES target]';
  console.log(`${name.padEnd(52)} ${value}${target ? `  (target ${target})` : ''}${verdict}`);
}

export const ms = (v: number) => `${v.toFixed(3)} ms`;
export const perSecond = (v: number) => `${Math.round(v).toLocaleString('en-US')}/s`;

/** Runs a benchmark file's `run` when the file is executed directly (not through bench/run.ts). */
export function runIfMain(module: NodeModule, run: () => Promise<void>): void {
  if (require.main !== module) return;
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/**
 * Open loop: `count` calls arriving on a fixed schedule at `ratePerSecond`, each latency measured from its scheduled
 * arrival (so queueing behind a slow call counts, as it would for a real client).
 */
export async function pacedLatencies(
  ratePerSecond: number,
  count: number,
  call: (i: number) => Promise<unknown>,
): Promise<{ p50: number; p99: number; mean: number }> {
  const intervalMs = 1000 / ratePerSecond;
  const latencies: number[] = [];
  const origin = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = origin + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inflight.push(call(i).then(() => void latencies.push(performance.now() - due)));
  }
  await Promise.all(inflight);
  return summarize(latencies);
}

/**
 * The machine's CPU time so far, from /proc (Linux), in clock ticks: busy, idle (with I/O wait) and stolen, and the
 * busy time of each process named in `processes` (name -> pid).
 */
export interface MachineCpu {
  readonly busy: number;
  readonly idle: number;
  readonly steal: number;
  readonly processes: ReadonlyMap<string, { readonly pid: number; readonly ticks: number }>;
}

export function machineCpu(
  processes: Readonly<Record<string, number | undefined>> = {},
): MachineCpu | undefined {
  let first: string;
  try {
    first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  } catch {
    return undefined;
  }
  const [user, nice, system, idle, iowait, irq, softirq, steal] = first.split(/\s+/).slice(1).map(Number);
  const busyOf = new Map<string, { pid: number; ticks: number }>();
  for (const [name, pid] of Object.entries(processes)) {
    const ticks = pid === undefined ? undefined : processTicks(pid);
    if (ticks !== undefined) busyOf.set(name, { pid: pid!, ticks });
  }
  return {
    busy: user! + nice! + system! + irq! + softirq!,
    idle: idle! + iowait!,
    steal: steal ?? 0,
    processes: busyOf,
  };
}

/** utime + stime of a process, or undefined once it is gone. */
function processTicks(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces: the fields counted from after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * How many of the machine's cores were busy since `since`, every process counted (the broker, the event store, the
 * load generator), how many the hypervisor took, and those of the processes `since` named: whether a figure is bound
 * by the machine rather than by our process.
 */
export function machineCoresBusy(since: MachineCpu | undefined): string {
  const now = machineCpu(Object.fromEntries([...(since?.processes ?? [])].map(([name, p]) => [name, p.pid])));
  if (!since || !now) return 'machine CPU unknown';
  const busy = now.busy - since.busy;
  const total = busy + now.idle - since.idle + now.steal - since.steal;
  const cores = availableParallelism();
  const share = (ticks: number) => ((ticks / Math.max(total, 1)) * cores).toFixed(2);
  const named = [...since.processes].map(([name, before]) => {
    const after = now.processes.get(name);
    return after === undefined ? '' : `, ${name} ${share(after.ticks - before.ticks)}`;
  });
  return `machine ${share(busy)} of ${cores} cores busy${named.join('')}, ${share(now.steal - since.steal)} stolen`;
}

/** The Kafka broker that `npm run infra:up` started here, if any (its pid file). */
export function localKafkaBrokerPid(): number | undefined {
  try {
    return Number(readFileSync(join(__dirname, '../.infra/kafka/kafka.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}
