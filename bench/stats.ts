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
