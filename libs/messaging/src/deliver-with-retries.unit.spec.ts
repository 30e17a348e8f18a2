import { backoffBefore, deliverWithRetries, type DeliveryProgress } from './deliver-with-retries';
import { DLQ_HEADERS, type BusMessage } from './message-bus';

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

describe('a delivery set aside to wait for its next try elsewhere', () => {
  const message = { topic: 't', partition: 0, offset: '7', key: 'k', value: Buffer.from('{}'), headers: {} };
  const outage = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const contended = () => Object.assign(new Error('changed concurrently'), { code: 'concurrency-conflict' });
  const fastPolicy = { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 2, contendedAttempts: 2 };
  const control = (
    setAside: (progress: DeliveryProgress, retryInMs: number) => boolean,
    progressBefore?: DeliveryProgress,
  ) => {
    const dead: BusMessage[] = [];
    return {
      dead,
      control: {
        publishToDlq: async (m: BusMessage) => void dead.push(m),
        isRunning: () => true,
        setAside,
        ...(progressBefore ? { progressBefore } : {}),
      },
    };
  };

  it('ends undone when set aside, offering where its retries stand and the wait before the next', async () => {
    const offered: [DeliveryProgress, number][] = [];
    const attempts: number[] = [];
    const { control: asked, dead } = control((progress, retryInMs) => {
      offered.push([progress, retryInMs]);
      return progress.attempt === 4;
    });
    const done = await deliverWithRetries(
      message,
      async (m) => {
        attempts.push(m.attempt);
        throw [outage, contended, () => new Error('bad data'), outage][m.attempt - 1]!();
      },
      fastPolicy,
      asked,
    );
    expect(done).toBe(false);
    expect(dead).toEqual([]);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(offered.map(([progress]) => progress)).toEqual([
      { attempt: 1, failuresCounted: 0, contended: 0 },
      { attempt: 2, failuresCounted: 0, contended: 1 },
      { attempt: 3, failuresCounted: 1, contended: 1 },
      { attempt: 4, failuresCounted: 1, contended: 1 },
    ]);
    for (const [, retryInMs] of offered) expect(retryInMs).toBeGreaterThan(0);
  });

  it('goes on from where its retries stood: the attempts count on, and the failures counted before still count', async () => {
    const attempts: number[] = [];
    const { control: asked, dead } = control(() => false, { attempt: 4, failuresCounted: 2, contended: 2 });
    const done = await deliverWithRetries(
      message,
      async (m) => {
        attempts.push(m.attempt);
        throw m.attempt === 5 ? contended() : new Error('bad data');
      },
      fastPolicy,
      asked,
    );
    // The lost race is past the two free ones, so it counts: the third counted failure dead-letters the message.
    expect(done).toBe(true);
    expect(attempts).toEqual([5]);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.headers[DLQ_HEADERS.attempts]).toBe('5');
  });

  it('is not offered when the message is done with: handled, or dead-lettered after its last attempt', async () => {
    const offered: DeliveryProgress[] = [];
    const { control: asked, dead } = control((progress) => {
      offered.push(progress);
      return false;
    });
    const done = await deliverWithRetries(
      message,
      async () => {
        throw new Error('bad data');
      },
      fastPolicy,
      asked,
    );
    expect(done).toBe(true);
    expect(offered.map((p) => p.attempt)).toEqual([1, 2]);
    expect(dead).toHaveLength(1);
  });
});

describe('a dead letter larger than its DLQ takes', () => {
  const tooLarge = () => Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
  const poisoned = async () => {
    throw Object.assign(new Error('cannot be handled'), { name: 'PoisonMessageError' });
  };

  /** Delivers a message that fails for good, to a DLQ that refuses what is larger than `limit` bytes. */
  async function deadLetterWithin(limit: number, message: Parameters<typeof deliverWithRetries>[0]) {
    const refused: BusMessage[] = [];
    const published: BusMessage[] = [];
    let running = true;
    const done = deliverWithRetries(
      message,
      poisoned,
      { ...policy, maxAttempts: 1, contendedAttempts: 0 },
      {
        publishToDlq: async (dead) => {
          const size =
            (dead.value?.length ?? 0) +
            Object.entries(dead.headers).reduce((sum, [name, value]) => sum + name.length + value.length, 0);
          if (size > limit) {
            refused.push(dead);
            if (refused.length > 3) running = false;
            throw tooLarge();
          }
          published.push(dead);
        },
        isRunning: () => running,
      },
    );
    return { done: await done, refused, published };
  }
  const message = (value: Buffer, headers: Record<string, string>) => ({
    topic: 't',
    partition: 0,
    offset: '3',
    key: 'k',
    value,
    headers,
  });

  it('goes without its value, then without its own headers, keeping the DLQ headers that say where it is', async () => {
    const { done, refused, published } = await deadLetterWithin(
      600,
      message(Buffer.alloc(2_000), { bulky: 'y'.repeat(2_000), trace: 't' }),
    );
    expect(done).toBe(true);
    expect(refused.map((m) => [m.value?.length, 'bulky' in m.headers])).toEqual([
      [2_000, true],
      [0, true],
    ]);
    expect(published).toHaveLength(1);
    expect(published[0]!.value?.length).toBe(0);
    expect(published[0]!.headers).not.toHaveProperty('bulky');
    expect(published[0]!.headers).not.toHaveProperty('trace');
    expect(published[0]!.headers).toMatchObject({
      [DLQ_HEADERS.valueOmitted]: '2000',
      [DLQ_HEADERS.headersOmitted]: '2',
      [DLQ_HEADERS.originalTopic]: 't',
      [DLQ_HEADERS.originalOffset]: '3',
    });
  });

  it('keeps its headers when leaving out its value is enough', async () => {
    const { published } = await deadLetterWithin(600, message(Buffer.alloc(2_000), { trace: 't' }));
    expect(published[0]!.headers).toMatchObject({ trace: 't', [DLQ_HEADERS.valueOmitted]: '2000' });
    expect(published[0]!.headers).not.toHaveProperty(DLQ_HEADERS.headersOmitted);
  });

  it('with nothing of the message left to leave out, it is tried again, unchanged, until the subscription closes', async () => {
    const { done, refused, published } = await deadLetterWithin(10, message(Buffer.alloc(0), {}));
    expect(done).toBe(false);
    expect(published).toEqual([]);
    expect(refused.length).toBeGreaterThan(3);
    expect(
      new Set(refused.map((m) => JSON.stringify(m.headers[DLQ_HEADERS.headersOmitted] ?? null))),
    ).toEqual(new Set(['null']));
  });
});
