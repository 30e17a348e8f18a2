import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import {
  CORRELATION_ID_HEADER,
  DLQ_HEADERS,
  PoisonMessageError,
  RequestReplyClient,
  RequestFailedError,
  RequestTimeoutError,
  REPLY_TO_HEADER,
  dlqTopic,
  serveRequests,
  type MessageBus,
  type ReceivedMessage,
  type RetryPolicy,
  type SubscribeOptions,
} from '@app/messaging';
import { ConcurrencyConflictError } from '@app/event-store';
import { freePort, waitFor } from '@app/testing';
import { busAdapters } from './bus-adapters';

const adapters = busAdapters('contract');

const fast = { initialBackoffMs: 5, maxBackoffMs: 20 };
const msg = (topic: string, key: string, body: unknown, headers: Record<string, string> = {}) => ({
  topic,
  key,
  headers,
  value: Buffer.from(JSON.stringify(body)),
});
const body = (m: ReceivedMessage) => JSON.parse(m.value.toString('utf8')) as { n: number; key?: string };

describe.each(adapters)('MessageBus contract: %s', (_name, create) => {
  let bus: MessageBus;
  const topicName = () => `contract.${randomUUID().slice(0, 12)}`;
  async function topic(partitions = 3) {
    const t = topicName();
    await bus.ensureTopics([{ topic: t, partitions, replicationFactor: 1 }]);
    return t;
  }

  /** Subscribes to `t`, collecting each key's `n` in the order received. */
  async function numbersByKey(t: string, options: Pick<SubscribeOptions, 'gatherMs'> = {}) {
    const byKey = new Map<string, number[]>();
    const sub = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      ...options,
      handler: async (m) => {
        const { n, key } = body(m);
        byKey.set(key!, [...(byKey.get(key!) ?? []), n]);
      },
    });
    return { byKey, sub };
  }

  /** What reaches `t`'s dead-letter topic from now on. */
  async function deadLetters(t: string) {
    const dead: ReceivedMessage[] = [];
    const dlq = await bus.subscribe({
      groupId: `dlq-${t}`,
      topics: [dlqTopic(t)],
      handler: async (m) => void dead.push(m),
    });
    return { dead, dlq };
  }

  /** Subscribes a handler that fails message `n: 1` with what `failure` gives for its attempt (nothing: handled). */
  async function failingMessageOne(
    t: string,
    failure: (attempt: number) => Error | undefined,
    retry: Partial<RetryPolicy> = {},
  ) {
    const attempts: number[] = [];
    const handled: number[] = [];
    const sub = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      retry: { maxAttempts: 3, ...fast, ...retry },
      handler: async (m) => {
        if (body(m).n === 1) {
          attempts.push(m.attempt);
          const error = failure(m.attempt);
          if (error) throw error;
        }
        handled.push(body(m).n);
      },
    });
    return { attempts, handled, sub };
  }

  beforeAll(() => {
    bus = create();
  });
  afterAll(() => bus.close());

  it('delivers key, headers and value as published, after the broker acknowledged', async () => {
    const t = await topic();
    const seen: ReceivedMessage[] = [];
    const sub = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      handler: async (m) => void seen.push(m),
    });
    await bus.publish([msg(t, 'org-1', { n: 1 }, { ce_type: 'x.Created.v1' })]);
    await waitFor(() => seen.length === 1);
    await sub.close();
    expect(seen[0]).toMatchObject({
      topic: t,
      key: 'org-1',
      attempt: 1,
      headers: { ce_type: 'x.Created.v1' },
    });
    expect(body(seen[0]!)).toEqual({ n: 1 });
  });

  it('refuses to publish to a topic that was not created at start-up', async () => {
    await expect(bus.publish([msg(topicName(), 'k', {})])).rejects.toThrow();
  });

  it('gives every group every message, and splits one group’s work between its members', async () => {
    const t = await topic(4);
    const groupA: number[] = [];
    const groupB1: number[] = [];
    const groupB2: number[] = [];
    const a = await bus.subscribe({
      groupId: `a-${t}`,
      topics: [t],
      handler: async (m) => void groupA.push(body(m).n),
    });
    const b1 = await bus.subscribe({
      groupId: `b-${t}`,
      topics: [t],
      handler: async (m) => void groupB1.push(body(m).n),
    });
    const b2 = await bus.subscribe({
      groupId: `b-${t}`,
      topics: [t],
      handler: async (m) => void groupB2.push(body(m).n),
    });
    await bus.publish(Array.from({ length: 40 }, (_, n) => msg(t, `key-${n}`, { n })));
    await waitFor(() => groupA.length === 40 && groupB1.length + groupB2.length >= 40, { timeoutMs: 30_000 });
    await Promise.all([a.close(), b1.close(), b2.close()]);
    expect([...groupA].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(new Set([...groupB1, ...groupB2]).size).toBe(40);
  });

  it('keeps per-key order under load', async () => {
    const t = await topic(3);
    const { byKey, sub } = await numbersByKey(t);
    const keys = Array.from({ length: 10 }, (_, i) => `agg-${i}`);
    for (let batch = 0; batch < 10; batch++) {
      await bus.publish(
        keys.flatMap((key) => Array.from({ length: 5 }, (_, i) => msg(t, key, { key, n: batch * 5 + i }))),
      );
    }
    await waitFor(() => [...byKey.values()].reduce((s, l) => s + l.length, 0) === 500, { timeoutMs: 30_000 });
    await sub.close();
    for (const key of keys) expect(byKey.get(key)).toEqual(Array.from({ length: 50 }, (_, n) => n));
  });

  it('a subscriber that gathers gets a lone message within its gathering time (the broker stops waiting for more), and messages published one at a time, each key in order', async () => {
    const t = await topic(3);
    const { byKey, sub } = await numbersByKey(t, { gatherMs: 200 });
    await bus.publish([msg(t, 'lone', { key: 'lone', n: 0 })]);
    // Gathering 200 ms, not the 5 s kafkajs holds a fetch for by default: well within 2.5 s of its publish.
    await waitFor(() => byKey.get('lone')?.length === 1, { timeoutMs: 2_500, what: 'the lone message' });
    const keys = ['a', 'b', 'c', 'd'];
    for (let n = 0; n < 40; n++) {
      const key = keys[n % keys.length]!;
      await bus.publish([msg(t, key, { key, n })]);
    }
    await waitFor(() => keys.every((k) => byKey.get(k)?.length === 10), {
      timeoutMs: 30_000,
      what: 'every message',
    });
    await sub.close();
    for (const [i, key] of keys.entries())
      expect(byKey.get(key)).toEqual(Array.from({ length: 10 }, (_, j) => j * keys.length + i));
    expect(byKey.get('lone')).toEqual([0]);
  });

  it('takes a burst of concurrent publishes larger than one broker request (6 MiB) whole, each key in order', async () => {
    const t = await topic(3);
    const { byKey, sub } = await numbersByKey(t);
    const pad = 'x'.repeat(1_000);
    const keys = ['big-0', 'big-1'];
    // Ten publishes of 600 messages at once: coalesced, they would make batches of 3 MiB on a partition.
    await Promise.all(
      Array.from({ length: 10 }, (_, batch) =>
        bus.publish(
          Array.from({ length: 600 }, (_, i) => {
            const key = keys[i % 2]!;
            return msg(t, key, { key, n: batch * 300 + Math.floor(i / 2), pad });
          }),
        ),
      ),
    );
    await waitFor(() => [...byKey.values()].reduce((s, l) => s + l.length, 0) === 6_000, {
      timeoutMs: 60_000,
      what: 'all 6,000 messages',
    });
    await sub.close();
    for (const key of keys) expect(byKey.get(key)).toEqual(Array.from({ length: 3_000 }, (_, n) => n));
  }, 90_000);

  it('retries with backoff, then dead-letters with error and attempt headers, and the partition moves on', async () => {
    const t = await topic(1);
    const { dead, dlq } = await deadLetters(t);
    const { attempts, handled, sub } = await failingMessageOne(t, () => new Error('downstream unavailable'));
    await bus.publish([msg(t, 'k', { n: 1 }), msg(t, 'k', { n: 2 })]);
    await waitFor(() => dead.length === 1 && handled.length === 1, { timeoutMs: 30_000 });
    await Promise.all([sub.close(), dlq.close()]);
    expect(attempts).toEqual([1, 2, 3]);
    expect(handled).toEqual([2]);
    expect(dead[0]!.headers).toMatchObject({
      [DLQ_HEADERS.attempts]: '3',
      [DLQ_HEADERS.originalTopic]: t,
      [DLQ_HEADERS.originalPartition]: '0',
      [DLQ_HEADERS.originalOffset]: '0',
    });
    expect(dead[0]!.headers[DLQ_HEADERS.error]).toContain('downstream unavailable');
    expect(body(dead[0]!)).toEqual({ n: 1 });
  });

  it('an outage outlasting the attempts dead-letters nothing: the message waits, in its key’s place, until the dependency is back', async () => {
    const t = await topic(1);
    // A real refusal: a connection to a port nothing listens on.
    const port = await freePort();
    const refused = await new Promise<Error>((resolve) => connect(port, '127.0.0.1').on('error', resolve));
    const { dead, dlq } = await deadLetters(t);
    const { attempts, handled, sub } = await failingMessageOne(t, (attempt) =>
      attempt <= 7 ? new Error('read model write failed', { cause: refused }) : undefined,
    );
    await bus.publish([msg(t, 'k', { n: 1 }), msg(t, 'k', { n: 2 })]);
    await waitFor(() => handled.length === 2, { timeoutMs: 30_000 });
    // Behind anything the failures could have dead-lettered (same key, same partition): once it is in, nothing was.
    await bus.publish([msg(dlqTopic(t), 'k', { n: -1 })]);
    await waitFor(() => dead.length > 0, { timeoutMs: 30_000 });
    await Promise.all([sub.close(), dlq.close()]);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(handled).toEqual([1, 2]);
    expect(dead.map(body)).toEqual([{ n: -1 }]);
  });

  it('a message held for an outage holds only its own partition: the others go on meanwhile, and it follows, in its key’s order and its backoff, once the dependency is back', async () => {
    const t = await topic(3);
    const port = await freePort();
    const refused = await new Promise<Error>((resolve) => connect(port, '127.0.0.1').on('error', resolve));
    const { dead, dlq } = await deadLetters(t);
    let outage = true;
    const attempts: number[] = [];
    let heldPartition: number | undefined;
    const handled: ReceivedMessage[] = [];
    const sub = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      // Tries a second or more apart: on Kafka the message waits with its partition paused, not holding the fetch.
      retry: { maxAttempts: 3, initialBackoffMs: 2_500, maxBackoffMs: 2_500 },
      handler: async (m) => {
        if (m.key === 'held' && body(m).n === 1) {
          attempts.push(m.attempt);
          heldPartition = m.partition;
          if (outage) throw new Error('provider unreachable', { cause: refused });
        }
        handled.push(m);
      },
    });
    await bus.publish([msg(t, 'held', { n: 1, key: 'held' }), msg(t, 'held', { n: 2, key: 'held' })]);
    await waitFor(() => attempts.length >= 2, { timeoutMs: 30_000, what: 'the held message tried twice' });
    const others = Array.from({ length: 30 }, (_, n) => msg(t, `other-${n}`, { n, key: `other-${n}` }));
    await bus.publish(others);
    const otherPartitionsHandled = () =>
      new Set(
        handled.filter((m) => m.key !== 'held' && m.partition !== heldPartition).map((m) => m.partition),
      );
    await waitFor(() => otherPartitionsHandled().size === 2, {
      timeoutMs: 20_000,
      what: 'messages of both other partitions handled during the outage',
    });
    expect(handled.filter((m) => m.key === 'held')).toEqual([]);
    outage = false;
    await waitFor(
      () =>
        handled.filter((m) => m.key === 'held').length === 2 &&
        new Set(handled.filter((m) => m.key !== 'held').map((m) => m.key)).size === others.length,
      { timeoutMs: 30_000, what: 'every message handled once the dependency is back' },
    );
    await bus.publish([msg(dlqTopic(t), 'held', { n: -1 })]);
    await waitFor(() => dead.length > 0, { timeoutMs: 30_000 });
    await Promise.all([sub.close(), dlq.close()]);
    expect(handled.filter((m) => m.key === 'held').map((m) => body(m).n)).toEqual([1, 2]);
    // One attempt after another, the count going on across the waits elsewhere: the last one went through.
    expect(attempts).toEqual(attempts.map((_, i) => i + 1));
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(dead.map(body)).toEqual([{ n: -1 }]);
  }, 90_000);

  it('a message waiting for its next try does not bring back the messages done behind it in its partition', async () => {
    const t = await topic(1);
    let outage = true;
    const attempts: number[] = [];
    const handled: string[] = [];
    const sub = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      retry: { maxAttempts: 3, initialBackoffMs: 2_500, maxBackoffMs: 2_500 },
      handler: async (m) => {
        if (m.key === 'held') {
          attempts.push(m.attempt);
          if (outage) throw Object.assign(new Error('provider unreachable'), { code: 'ECONNREFUSED' });
        }
        handled.push(m.key);
      },
    });
    const others = Array.from({ length: 10 }, (_, n) => `other-${n}`);
    await bus.publish([msg(t, 'held', { n: 0 }), ...others.map((key, n) => msg(t, key, { n }))]);
    await waitFor(() => attempts.length >= 3, {
      timeoutMs: 30_000,
      what: 'the held message tried three times',
    });
    outage = false;
    await waitFor(() => handled.includes('held'), { timeoutMs: 30_000, what: 'the held message handled' });
    await bus.publish([msg(t, 'last', { n: 0 })]);
    await waitFor(() => handled.includes('last'), { timeoutMs: 30_000, what: 'a message after them all' });
    await sub.close();
    expect(handled.filter((key) => key !== 'held' && key !== 'last').sort()).toEqual([...others].sort());
    expect(handled.filter((key) => key === 'held')).toEqual(['held']);
  }, 90_000);

  it('a lost race for a stream, more often than the attempts, dead-letters nothing: the message is tried until it goes through', async () => {
    const t = await topic(1);
    const { dead, dlq } = await deadLetters(t);
    // What the aggregate store throws when other writers kept appending first, as a reaction sees it.
    const { attempts, handled, sub } = await failingMessageOne(t, (attempt) =>
      attempt <= 5 ? new ConcurrencyConflictError('organization-o1', 5) : undefined,
    );
    await bus.publish([msg(t, 'k', { n: 1 }), msg(t, 'k', { n: 2 })]);
    await waitFor(() => handled.length === 2, { timeoutMs: 30_000 });
    await bus.publish([msg(dlqTopic(t), 'k', { n: -1 })]);
    await waitFor(() => dead.length > 0, { timeoutMs: 30_000 });
    await Promise.all([sub.close(), dlq.close()]);
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6]);
    expect(handled).toEqual([1, 2]);
    expect(dead.map(body)).toEqual([{ n: -1 }]);
  });

  it('a race that is lost every time is a fault after all: dead-lettered once the contended attempts and then the attempts are spent', async () => {
    const t = await topic(1);
    const { dead, dlq } = await deadLetters(t);
    const { attempts, handled, sub } = await failingMessageOne(
      t,
      () => new ConcurrencyConflictError('organization-o1', 5),
      { contendedAttempts: 4 },
    );
    await bus.publish([msg(t, 'k', { n: 1 }), msg(t, 'k', { n: 2 })]);
    await waitFor(() => dead.length === 1 && handled.length === 1, { timeoutMs: 30_000 });
    await Promise.all([sub.close(), dlq.close()]);
    // Four free tries, then three counted ones.
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(handled).toEqual([2]);
    expect(dead[0]!.headers[DLQ_HEADERS.error]).toContain('changed concurrently');
  });

  it('sends a poison message to the DLQ without retrying, and a handler failing forever never kills the consumer', async () => {
    const t = await topic(1);
    const handled: number[] = [];
    const { dead, dlq } = await deadLetters(t);
    const sub = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      retry: { maxAttempts: 2, ...fast },
      handler: async (m) => {
        const { n } = body(m);
        if (n % 3 === 0) throw new PoisonMessageError('schema violation', 'invalid');
        if (n % 3 === 1) throw new Error('always fails');
        handled.push(n);
      },
    });
    await bus.publish(Array.from({ length: 9 }, (_, n) => msg(t, 'k', { n })));
    await waitFor(() => dead.length === 6 && handled.length === 3, { timeoutMs: 30_000 });
    await Promise.all([sub.close(), dlq.close()]);
    expect(handled).toEqual([2, 5, 8]);
    const attemptsByN = new Map(dead.map((d) => [body(d).n, d.headers[DLQ_HEADERS.attempts]]));
    expect(attemptsByN).toEqual(
      new Map([
        [0, '1'],
        [1, '2'],
        [3, '1'],
        [4, '2'],
        [6, '1'],
        [7, '2'],
      ]),
    );
  });

  it('commits only what was handled: a closed member’s unfinished work goes to the next member of the group', async () => {
    const t = await topic(1);
    const first: number[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const one = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      retry: { maxAttempts: 2, ...fast },
      handler: async (m) => {
        const { n } = body(m);
        if (n === 1) await blocked; // in flight while we close
        first.push(n);
      },
    });
    await bus.publish([
      msg(t, 'k', { n: 0 }),
      msg(t, 'k', { n: 1 }),
      msg(t, 'k', { n: 2 }),
      msg(t, 'k', { n: 3 }),
    ]);
    await waitFor(() => first.length === 1);
    const closing = one.close();
    release();
    await closing;
    const second: number[] = [];
    const two = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      handler: async (m) => void second.push(body(m).n),
    });
    await waitFor(() => second.includes(3), { timeoutMs: 30_000 });
    await two.close();
    // Graceful close finished and committed the in-flight message and took no new one; the next member goes on.
    expect(first).toEqual([0, 1]);
    expect(second).toEqual([2, 3]);
  });

  it('handles different keys of a partition side by side, and each key strictly in order', async () => {
    const t = await topic(1);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const handled = new Map<string, number[]>(keys.map((k) => [k, []]));
    const active = new Set<string>();
    let overlapping = 0;
    let sameKeyAtOnce = 0;
    const sub = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      handler: async (m) => {
        if (active.has(m.key)) sameKeyAtOnce++;
        active.add(m.key);
        overlapping = Math.max(overlapping, active.size);
        await new Promise((r) => setTimeout(r, 1 + ((body(m).n * 7) % 5)));
        handled.get(m.key)!.push(body(m).n);
        active.delete(m.key);
      },
    });
    await bus.publish(Array.from({ length: 60 }, (_, n) => msg(t, keys[n % keys.length]!, { n })));
    await waitFor(() => [...handled.values()].every((list) => list.length === 10), { timeoutMs: 30_000 });
    await sub.close();
    for (const [i, key] of keys.entries())
      expect(handled.get(key)).toEqual(Array.from({ length: 10 }, (_, j) => j * keys.length + i));
    expect(sameKeyAtOnce).toBe(0);
    expect(overlapping).toBeGreaterThan(1);
  });

  it('at-least-once with keys side by side: a member closed while one key is stuck loses nothing; the next goes on from the lowest unfinished', async () => {
    const t = await topic(1);
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const first: string[] = [];
    const one = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      handler: async (m) => {
        const { n } = body(m);
        if (m.key === 'slow' && n === 0) await stuck;
        first.push(`${m.key}${n}`);
      },
    });
    await bus.publish([
      msg(t, 'slow', { n: 0 }),
      msg(t, 'a', { n: 0 }),
      msg(t, 'a', { n: 1 }),
      msg(t, 'b', { n: 0 }),
      msg(t, 'slow', { n: 1 }),
      msg(t, 'a', { n: 2 }),
    ]);
    // The other keys go on while the first message is stuck.
    await waitFor(() => ['a0', 'a1', 'b0', 'a2'].every((m) => first.includes(m)), { timeoutMs: 30_000 });
    const closing = one.close();
    release();
    await closing;
    expect(first).not.toContain('slow1');
    const second: string[] = [];
    const two = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      handler: async (m) => void second.push(`${m.key}${body(m).n}`),
    });
    // Each key in its own lane: both awaited, then a moment for anything more to come.
    await waitFor(() => ['slow1', 'a2'].every((m) => second.includes(m)), { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    await two.close();
    // Committed up to the lowest unfinished message (slow1): it and what came after it are delivered again.
    expect([...second].sort()).toEqual(['a2', 'slow1']);
    expect(new Set([...first, ...second])).toEqual(new Set(['slow0', 'a0', 'a1', 'b0', 'slow1', 'a2']));
  });

  it('is a live member of its group once subscribe resolves: a "from now on" subscriber gets what is published next', async () => {
    const t = await topic(1);
    await bus.publish([msg(t, 'k', { n: 0 })]);
    const seen: number[] = [];
    const sub = await bus.subscribe({
      groupId: `g-${t}`,
      topics: [t],
      fromBeginning: false,
      handler: async (m) => void seen.push(body(m).n),
    });
    await bus.publish([msg(t, 'k', { n: 1 })]);
    await waitFor(() => seen.includes(1), { what: 'the message published after subscribing' });
    await sub.close();
    expect(seen).toEqual([1]);
  });

  it('answers requests with replies correlated to the requester, and times out when nobody serves', async () => {
    const t = await topic(3);
    const server = await serveRequests(bus, {
      groupId: `svc-${t}`,
      topic: t,
      handler: async (payload) => ({ echoed: payload }),
    });
    const client = await RequestReplyClient.start(bus, 'contract-test');
    try {
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.request(t, `org-${i % 4}`, { i }, { timeoutMs: 20_000 })),
      );
      expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => ({ echoed: { i } })));
      const silent = await topic(1);
      await expect(client.request(silent, 'k', {}, { timeoutMs: 300 })).rejects.toBeInstanceOf(
        RequestTimeoutError,
      );
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a request served in the background holds up no request behind it in its partition, and closing waits for it', async () => {
    const t = await topic(1);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const slowStarted = new Promise<void>((resolve) => (started = resolve));
    const answered: string[] = [];
    const server = await serveRequests(bus, {
      groupId: `svc-${t}`,
      topic: t,
      handler: async (payload) => {
        if ((payload as { slow?: boolean }).slow) {
          started();
          await released;
          answered.push('slow handled');
        }
        return { done: payload };
      },
      inBackground: (payload) => (payload as { slow?: boolean }).slow === true,
    });
    const client = await RequestReplyClient.start(bus, 'contract-test');
    try {
      const slow = client.request(t, 'org-a', { slow: true }, { timeoutMs: 20_000 });
      // One partition, a batch of its own: without the background, this one would wait for the slow one.
      await slowStarted;
      const quick = await client.request(t, 'org-b', { quick: true }, { timeoutMs: 20_000 });
      answered.push('quick');
      expect(quick).toEqual({ done: { quick: true } });
      const closing = server.close().then(() => answered.push('closed'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(answered).toEqual(['quick']);
      release();
      await closing;
      expect(answered).toEqual(['quick', 'slow handled', 'closed']);
      expect(await slow).toEqual({ done: { slow: true } });
    } finally {
      release();
      await client.close();
      await server.close();
    }
  });

  it('a request that fails in the background is answered as failed at once, saying nothing of why; the bus does not retry it', async () => {
    const t = await topic(1);
    const handled: unknown[] = [];
    const failures: string[] = [];
    const server = await serveRequests(bus, {
      groupId: `svc-${t}`,
      topic: t,
      handler: async (payload) => {
        handled.push(payload);
        throw new Error('the event store is out of reach at 10.0.0.7');
      },
      inBackground: () => true,
      onBackgroundFailure: ({ command, error }) => failures.push(`${command}: ${(error as Error).message}`),
    });
    const client = await RequestReplyClient.start(bus, 'contract-test');
    try {
      const failed = client.request(t, 'org-a', { command: { type: 'Import' } }, { timeoutMs: 20_000 });
      const error = await failed.then(
        () => undefined,
        (rejection: unknown) => rejection,
      );
      expect(error).toBeInstanceOf(RequestFailedError);
      expect((error as Error).message).not.toContain('10.0.0.7');
      expect(failures).toEqual(['Import: the event store is out of reach at 10.0.0.7']);
      // Done with when it started: not handed to the handler again.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(handled).toHaveLength(1);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a requester from before failure replies is sent none: it would take one for an answer', async () => {
    const [t, replies] = [await topic(1), await topic(1)];
    const handled: unknown[] = [];
    const received: ReceivedMessage[] = [];
    const server = await serveRequests(bus, {
      groupId: `svc-${t}`,
      topic: t,
      handler: async (payload) => {
        handled.push(payload);
        throw new Error('out of reach');
      },
      inBackground: () => true,
    });
    const listener = await bus.subscribe({
      groupId: `old-requester-${replies}`,
      topics: [replies],
      handler: async (message) => {
        received.push(message);
      },
    });
    try {
      await bus.publish([
        {
          topic: t,
          key: 'k',
          headers: {
            [REPLY_TO_HEADER]: replies,
            [CORRELATION_ID_HEADER]: 'c-1',
            'content-type': 'application/json',
          },
          value: Buffer.from(JSON.stringify({ n: 1 })),
        },
      ]);
      await waitFor(() => handled.length === 1, { what: 'the request to be handled' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(received).toEqual([]);
    } finally {
      await listener.close();
      await server.close();
    }
  });

  it('runs at most maxInBackground requests in the background: one more waits, in its partition, for a place', async () => {
    const t = await topic(1);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const started: number[] = [];
    const server = await serveRequests(bus, {
      groupId: `svc-${t}`,
      topic: t,
      handler: async (payload) => {
        started.push((payload as { n: number }).n);
        await released;
        return { done: payload };
      },
      inBackground: () => true,
      maxInBackground: 1,
    });
    const client = await RequestReplyClient.start(bus, 'contract-test');
    try {
      const first = client.request(t, 'org-a', { n: 1 }, { timeoutMs: 20_000 });
      await waitFor(() => started.length === 1, { what: 'the first request to start' });
      const second = client.request(t, 'org-b', { n: 2 }, { timeoutMs: 20_000 });
      // Left unanswered if an expectation below fails: the client's closing rejects them then.
      for (const pending of [first, second]) pending.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(started).toEqual([1]);
      release();
      expect(await Promise.all([first, second])).toEqual([{ done: { n: 1 } }, { done: { n: 2 } }]);
      expect(started).toEqual([1, 2]);
    } finally {
      release();
      await client.close();
      await server.close();
    }
  });

  it('leaves undone a background request whose wait for a place outlasted its deadline', async () => {
    const t = await topic(1);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const started: number[] = [];
    const expired: { command: string; lateMs: number }[] = [];
    const server = await serveRequests(bus, {
      groupId: `svc-${t}`,
      topic: t,
      deadlineGraceMs: 0,
      handler: async (payload) => {
        started.push((payload as { n: number }).n);
        if ((payload as { n: number }).n === 1) await released;
        return { done: payload };
      },
      inBackground: () => true,
      maxInBackground: 1,
      onExpired: (dropped) => expired.push(dropped),
    });
    const client = await RequestReplyClient.start(bus, 'contract-test');
    try {
      const first = client.request(t, 'org-a', { n: 1 }, { timeoutMs: 20_000 });
      first.catch(() => undefined);
      await waitFor(() => started.length === 1, { what: 'the first request to start' });
      await expect(client.request(t, 'org-b', { n: 2 }, { timeoutMs: 200 })).rejects.toBeInstanceOf(
        RequestTimeoutError,
      );
      release();
      expect(await first).toEqual({ done: { n: 1 } });
      expect(await client.request(t, 'org-c', { n: 3 }, { timeoutMs: 20_000 })).toEqual({ done: { n: 3 } });
      await waitFor(() => expired.length > 0 || undefined, { what: 'the late request dropped' });
      expect(expired).toEqual([{ command: 'unknown', lateMs: expect.any(Number) }]);
      expect(started).toEqual([1, 3]);
    } finally {
      release();
      await client.close();
      await server.close();
    }
  });

  it('leaves undone a request found past its deadline: its requester answered 503 already, and a retry would do it twice', async () => {
    const t = await topic(1);
    const client = await RequestReplyClient.start(bus, 'contract-test');
    const handled: unknown[] = [];
    const expired: { command: string; lateMs: number }[] = [];
    try {
      await expect(client.request(t, 'k', { n: 1 }, { timeoutMs: 200 })).rejects.toBeInstanceOf(
        RequestTimeoutError,
      );
      // The requester gave up at its deadline; the service comes up a little after it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const server = await serveRequests(bus, {
        groupId: `svc-${t}`,
        topic: t,
        deadlineGraceMs: 0,
        handler: async (payload) => {
          handled.push(payload);
          return { done: payload };
        },
        onExpired: (dropped) => expired.push(dropped),
      });
      try {
        expect(await client.request(t, 'k', { n: 2 }, { timeoutMs: 20_000 })).toEqual({ done: { n: 2 } });
        expect(handled).toEqual([{ n: 2 }]);
        expect(expired).toEqual([{ command: 'unknown', lateMs: expect.any(Number) }]);
        expect(expired[0]!.lateMs).toBeGreaterThan(0);
      } finally {
        await server.close();
      }
    } finally {
      await client.close();
    }
  });
});
