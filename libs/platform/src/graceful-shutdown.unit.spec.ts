import { processLifecycle, readShutdownSettings, stopGracefullyOnSignals } from './graceful-shutdown';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown', () => {
  it('reads its settings, 25 s and 3 s by default, and refuses a drain as long as the grace period', () => {
    expect(readShutdownSettings({})).toEqual({ graceMs: 25_000, drainMs: 3_000 });
    expect(readShutdownSettings({ SHUTDOWN_GRACE_MS: '9000', SHUTDOWN_DRAIN_MS: '0' })).toEqual({
      graceMs: 9_000,
      drainMs: 0,
    });
    expect(() => readShutdownSettings({ SHUTDOWN_GRACE_MS: '2000', SHUTDOWN_DRAIN_MS: '2000' })).toThrow(
      /SHUTDOWN_DRAIN_MS \(2000\) must be less than SHUTDOWN_GRACE_MS/,
    );
    expect(() => readShutdownSettings({ SHUTDOWN_GRACE_MS: 'soon' })).toThrow(/SHUTDOWN_GRACE_MS/);
  });

  it('on a signal: not ready at once, stops after the drain, exits 0; once only; past the grace period, exits 1', async () => {
    const log: string[] = [];
    const exits: number[] = [];
    let stops = 0;
    let finish!: () => void;
    stopGracefullyOnSignals(
      () => {
        stops++;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      { graceMs: 400, drainMs: 100 },
      (message) => log.push(message),
      (code) => exits.push(code),
    );
    expect(processLifecycle.stopping).toBe(false);
    process.emit('SIGTERM', 'SIGTERM');
    expect(processLifecycle.stopping).toBe(true);
    expect(log[0]).toMatch(/^SIGTERM: not ready any more, stopping within 400 ms/);
    await tick(50);
    expect(stops).toBe(0); // still draining
    await tick(100);
    expect(stops).toBe(1);
    process.emit('SIGINT', 'SIGINT'); // a second signal changes nothing (the first handler is gone, this one ignores it)
    await tick(350);
    expect(exits).toEqual([1]);
    expect(log).toContain('still stopping after 400 ms: exiting with work unfinished');
    finish();
    await tick(10);
    expect(exits).toEqual([1, 0]);
    expect(stops).toBe(1);
  });
});
