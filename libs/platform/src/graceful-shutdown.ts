import { positiveInt } from './service-config';

/** Set once the process is asked to stop: readiness answers 503 from then on, so traffic moves elsewhere first. */
export const processLifecycle = { stopping: false };

export interface ShutdownSettings {
  /** Everything must be done within it, or the process exits anyway (`SHUTDOWN_GRACE_MS`, default 25 s: under
   * Kubernetes' 30 s before SIGKILL). */
  readonly graceMs: number;
  /** How long readiness fails before the work stops (`SHUTDOWN_DRAIN_MS`, default 3 s): load balancers that poll
   * readiness stop sending meanwhile. */
  readonly drainMs: number;
}

export function readShutdownSettings(env: NodeJS.ProcessEnv = process.env): ShutdownSettings {
  const graceMs = positiveInt(env.SHUTDOWN_GRACE_MS, 25_000, 'SHUTDOWN_GRACE_MS');
  const drainMs =
    env.SHUTDOWN_DRAIN_MS === '0' ? 0 : positiveInt(env.SHUTDOWN_DRAIN_MS, 3_000, 'SHUTDOWN_DRAIN_MS');
  if (drainMs >= graceMs)
    throw new Error(`SHUTDOWN_DRAIN_MS (${drainMs}) must be less than SHUTDOWN_GRACE_MS (${graceMs})`);
  return { graceMs, drainMs };
}

/**
 * On SIGTERM or SIGINT: readiness fails at once; after the drain, `stop` runs (Nest's close: consumers finish the
 * message in hand and commit, the relay stores its checkpoint, HTTP finishes its requests, connections close), and
 * the process exits 0. Past the grace period it exits 1 with whatever is unfinished, before a SIGKILL would.
 */
export function stopGracefullyOnSignals(
  stop: () => Promise<void>,
  settings: ShutdownSettings,
  log: (message: string) => void,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    processLifecycle.stopping = true;
    log(`${signal}: not ready any more, stopping within ${settings.graceMs} ms`);
    const deadline = setTimeout(() => {
      log(`still stopping after ${settings.graceMs} ms: exiting with work unfinished`);
      exit(1);
    }, settings.graceMs);
    deadline.unref();
    new Promise((resolve) => setTimeout(resolve, settings.drainMs)).then(stop).then(
      () => {
        log('stopped');
        exit(0);
      },
      (error: unknown) => {
        log(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
  };
  // `on`, not `once`: a second signal mid-drain must not fall back to Node's default, which exits at once.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
