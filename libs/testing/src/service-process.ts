import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { basename, join } from 'node:path';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

export interface ServiceProcess {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<unknown>;
  /** `/health/ready`'s status, or 0 when nothing answers. */
  readiness(): Promise<number>;
  /**
   * Stops it as Kubernetes does (SIGTERM, SIGKILL after `graceMs`). Stopped gracefully, it leaves its consumer groups:
   * a killed member stays in them until its session times out, and holds up whoever joins them next.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts one service as its own process, as a pod runs it, and resolves once its readiness probe answers 200.
 * With `SERVICE_LOG_DIR` set (to find why a suite failed), each process logs at `SERVICE_LOG_LEVEL` (default info) to
 * `<suite>-<service>-<port>.log` there, whatever level the suite asked for.
 */
export async function startServiceProcess(
  service: string,
  env: NodeJS.ProcessEnv,
  options: { readonly timeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  const logDir = process.env.SERVICE_LOG_DIR;
  const stdout = logDir ? openSync(join(logDir, `${suiteName()}-${service}-${port}.log`), 'a') : 'ignore';
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, `../../../apps/${service}/src/main.ts`)],
    {
      env: {
        ...env,
        PORT: String(port),
        ...(logDir ? { LOG_LEVEL: process.env.SERVICE_LOG_LEVEL ?? 'info' } : {}),
      },
      stdio: ['ignore', stdout, 'inherit'],
    },
  );
  if (typeof stdout === 'number') closeSync(stdout); // the child holds its own copy
  const instance: ServiceProcess = {
    name: service,
    port,
    child,
    exited: once(child, 'exit'),
    readiness: async () =>
      (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status ?? 0,
    stop: async (graceMs = 20_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const killLater = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      await instance.exited;
      clearTimeout(killLater);
    },
  };
  try {
    // Generous: in test:infra several suites start brokers and service processes at once on two cores, and a service
    // compiled at start (swc) waiting its turn for a core has been seen to need over two minutes.
    await waitFor(async () => (await instance.readiness()) === 200, {
      timeoutMs: options.timeoutMs ?? 240_000,
      intervalMs: 250,
      what: `${service} on ${port} ready`,
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return instance;
}

/** The running Jest suite's file name without `.spec.ts` (Jest's `expect` is a global while a suite runs). */
function suiteName(): string {
  const state = (globalThis as { expect?: { getState?: () => { testPath?: string } } }).expect?.getState?.();
  return state?.testPath ? basename(state.testPath).replace(/\.spec\.ts$/, '') : 'suite';
}
