import { backoffBefore } from './deliver-with-retries';

const policy = { maxAttempts: 6, initialBackoffMs: 100, maxBackoffMs: 1_000 };

describe('backoff between delivery attempts', () => {
  it('doubles from the initial backoff, with jitter between half and all of it, up to the cap', () => {
    for (let i = 0; i < 200; i++) {
      const second = backoffBefore(2, policy, new Error('x'));
      const fourth = backoffBefore(4, policy, new Error('x'));
      const tenth = backoffBefore(10, policy, new Error('x'));
      expect(second).toBeGreaterThanOrEqual(50);
      expect(second).toBeLessThanOrEqual(100);
      expect(fourth).toBeGreaterThanOrEqual(200);
      expect(fourth).toBeLessThanOrEqual(400);
      expect(tenth).toBeGreaterThanOrEqual(500);
      expect(tenth).toBeLessThanOrEqual(1_000);
    }
  });

  it('waits at least what the failure asked for (Retry-After), but no longer than the cap', () => {
    expect(backoffBefore(2, policy, { retryAfterMs: 700 })).toBe(700);
    expect(backoffBefore(2, policy, { retryAfterMs: 60_000 })).toBe(1_000);
    expect(backoffBefore(4, policy, { retryAfterMs: 10 })).toBeGreaterThanOrEqual(200);
  });
});
