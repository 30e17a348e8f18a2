import { performance } from 'node:perf_hooks';

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
