import { backoffBefore, deliverWithRetries } from './deliver-with-retries';

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

describe('a delivery set aside to wait out an outage elsewhere', () => {
  const message = { topic: 't', partition: 0, offset: '7', key: 'k', value: Buffer.from('{}'), headers: {} };
  const outage = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const control = (setAside: (attempt: number, retryInMs: number) => boolean, attemptsBefore?: number) => ({
    publishToDlq: async () => undefined,
    isRunning: () => true,
    setAside,
    ...(attemptsBefore === undefined ? {} : { attemptsBefore }),
  });
  const fastPolicy = { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2, contendedAttempts: 2 };

  it('ends undone when the outage is set aside, offering the attempt made and the wait before the next', async () => {
    const offered: [number, number][] = [];
    const attempts: number[] = [];
    const done = await deliverWithRetries(
      message,
      async (m) => {
        attempts.push(m.attempt);
        throw outage();
      },
      fastPolicy,
      control((attempt, retryInMs) => {
        offered.push([attempt, retryInMs]);
        return attempt === 2;
      }),
    );
    expect(done).toBe(false);
    expect(attempts).toEqual([1, 2]);
    expect(offered.map(([attempt]) => attempt)).toEqual([1, 2]);
    for (const [, retryInMs] of offered) expect(retryInMs).toBeGreaterThan(0);
  });

  it('goes on counting from the attempts it had before it was set aside', async () => {
    const attempts: number[] = [];
    const done = await deliverWithRetries(
      message,
      async (m) => {
        attempts.push(m.attempt);
        if (m.attempt < 6) throw outage();
      },
      fastPolicy,
      control(() => false, 4),
    );
    expect(done).toBe(true);
    expect(attempts).toEqual([5, 6]);
  });

  it('is never offered for a failure of the message or a lost race: those wait in place and count as before', async () => {
    const offered: number[] = [];
    const dead: unknown[] = [];
    const contended = Object.assign(new Error('changed concurrently'), { code: 'concurrency-conflict' });
    const attempts: number[] = [];
    const done = await deliverWithRetries(
      message,
      async (m) => {
        attempts.push(m.attempt);
        throw m.attempt <= 2 ? contended : new Error('bad data');
      },
      fastPolicy,
      {
        ...control((attempt) => {
          offered.push(attempt);
          return true;
        }),
        publishToDlq: async (m) => {
          dead.push(m);
        },
      },
    );
    expect(done).toBe(true);
    expect(offered).toEqual([]);
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    expect(dead).toHaveLength(1);
  });
});
