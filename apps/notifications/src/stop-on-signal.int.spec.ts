import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort, makeTempDir, waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';

/** A service as Kubernetes runs it (its own process, `main.ts`) stopped with SIGTERM. */
describe('a service stopped with SIGTERM', () => {
  const eventStore = useTestEventStore();

  it('answers not ready at once, then stops its work and exits 0 within the grace period', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'main.ts')], {
      env: {
        ...process.env,
        DATA_DIR: await makeTempDir('sigterm'),
        EVENTSTORE_CONNECTION_STRING: eventStore.store.connectionString,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        SHUTDOWN_DRAIN_MS: '1500',
        SHUTDOWN_GRACE_MS: '15000',
      },
      stdio: 'ignore',
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const ready = async () =>
      (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status;
    await waitFor(async () => (await ready()) === 200, { timeoutMs: 60_000, what: 'the service ready' });

    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const answer = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
        return res.status === 503 ? ((await res.json()) as { error: Record<string, unknown> }) : undefined;
      },
      { timeoutMs: 1_000, what: 'readiness failing' },
    );
    expect(answer.error).toHaveProperty('shutdown');
    // liveness still answers while it drains: nothing restarts a pod that is stopping
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);

    // Exit code 0: it stopped within the grace period (past it, it exits 1); not before the drain was over.
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1_500);
  }, 90_000);
});
