import { randomUUID } from 'node:crypto';
import {
  DLQ_HEADERS,
  KafkaBus,
  PoisonMessageError,
  dlqTopic,
  isRecordTooLarge,
  type ReceivedMessage,
} from '@app/messaging';
import { describeIf, infraEnv, waitFor } from '@app/testing';

/**
 * A message the DLQ cannot take (larger than the DLQ topic allows, or pushed over the limit by the dead letter's own
 * headers) was retried against it forever, and the partition behind it never moved again.
 */
describeIf(infraEnv.kafkaBrokers)('a dead letter larger than its DLQ takes, on Kafka', () => {
  let bus: KafkaBus;
  beforeAll(() => {
    bus = new KafkaBus({
      brokers: infraEnv.kafkaBrokers!,
      clientId: `dlq-large-${randomUUID().slice(0, 8)}`,
    });
  });
  afterAll(() => bus.close());

  /**
   * `first` fails for good (`isPoison`) on a topic whose DLQ takes 4 KiB; `after` follows it under the same key.
   * Resolves once `after` is handled and the dead letter is in the DLQ, with both.
   */
  async function deadLetterOf(
    first: Buffer,
    headers: Record<string, string>,
    isPoison: (m: ReceivedMessage) => boolean,
  ) {
    const topic = `dlq-large.${randomUUID().slice(0, 12)}`;
    await bus.ensureTopics([
      { topic, partitions: 1, replicationFactor: 1, dlqConfig: { 'max.message.bytes': '4096' } },
    ]);
    const dead: ReceivedMessage[] = [];
    const handled: string[] = [];
    const dlq = await bus.subscribe({
      groupId: `dlq-${topic}`,
      topics: [dlqTopic(topic)],
      handler: async (m) => {
        dead.push(m);
      },
    });
    const sub = await bus.subscribe({
      groupId: `g-${topic}`,
      topics: [topic],
      handler: async (m) => {
        if (isPoison(m)) throw new PoisonMessageError('cannot be handled', 'test');
        handled.push(m.value.toString('utf8'));
      },
    });
    await bus.publish([
      { topic, key: 'k', headers, value: first },
      { topic, key: 'k', headers: {}, value: Buffer.from('after') },
    ]);
    await waitFor(() => handled.length === 1 && dead.length === 1, {
      timeoutMs: 30_000,
      what: 'the message after the failing one handled, and the dead letter in the DLQ',
    });
    await Promise.all([sub.close(), dlq.close()]);
    return { topic, handled, dead: dead[0]! };
  }

  it('goes to the DLQ without its value, saying its size and where it is; the partition goes on behind it', async () => {
    const large = Buffer.alloc(6_000, 'x');
    const { topic, handled, dead } = await deadLetterOf(
      large,
      { trace: 'one' },
      (m) => m.value.length === large.length,
    );
    expect(handled).toEqual(['after']);
    expect(dead.value.length).toBe(0);
    expect(dead.headers).toMatchObject({
      trace: 'one',
      [DLQ_HEADERS.valueOmitted]: '6000',
      [DLQ_HEADERS.originalTopic]: topic,
      [DLQ_HEADERS.originalPartition]: '0',
      [DLQ_HEADERS.originalOffset]: '0',
      [DLQ_HEADERS.attempts]: '1',
    });
    expect(dead.headers[DLQ_HEADERS.error]).toContain('cannot be handled');
  }, 60_000);

  it('still too large without its value, it goes without its own headers too; the partition goes on behind it', async () => {
    const { topic, handled, dead } = await deadLetterOf(
      Buffer.from('first'),
      { bulky: 'y'.repeat(6_000), trace: 'two' },
      (m) => m.headers.bulky !== undefined,
    );
    expect(handled).toEqual(['after']);
    expect(dead.value.length).toBe(0);
    expect(dead.headers).not.toHaveProperty('bulky');
    expect(dead.headers).not.toHaveProperty('trace');
    expect(dead.headers).toMatchObject({
      [DLQ_HEADERS.valueOmitted]: '5',
      [DLQ_HEADERS.headersOmitted]: '2',
      [DLQ_HEADERS.originalTopic]: topic,
      [DLQ_HEADERS.originalOffset]: '0',
    });
    expect(dead.headers[DLQ_HEADERS.error]).toContain('cannot be handled');
  }, 60_000);

  it('a publish sent in one request with a record refused as too large is not refused with it', async () => {
    const small = `dlq-large.${randomUUID().slice(0, 12)}`;
    const strict = `dlq-large.${randomUUID().slice(0, 12)}`;
    await bus.ensureTopics([
      { topic: small, partitions: 1, replicationFactor: 1 },
      { topic: strict, partitions: 1, replicationFactor: 1, config: { 'max.message.bytes': '4096' } },
    ]);
    // Both before the first send starts: coalesced into one request.
    const [refused, landed] = await Promise.allSettled([
      bus.publish([{ topic: strict, key: 'k', headers: {}, value: Buffer.alloc(6_000) }]),
      bus.publish([{ topic: small, key: 'k', headers: {}, value: Buffer.from('fine') }]),
    ]);
    expect(refused.status).toBe('rejected');
    expect(isRecordTooLarge((refused as PromiseRejectedResult).reason)).toBe(true);
    expect(landed.status).toBe('fulfilled');
  }, 30_000);

  it('tells the broker’s refusal of a record too large from other publish failures', async () => {
    const topic = `dlq-large.${randomUUID().slice(0, 12)}`;
    await bus.ensureTopics([
      { topic, partitions: 1, replicationFactor: 1, config: { 'max.message.bytes': '4096' } },
    ]);
    const refusal = await bus.publish([{ topic, key: 'k', headers: {}, value: Buffer.alloc(6_000) }]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isRecordTooLarge(refusal)).toBe(true);
    expect(isRecordTooLarge(new Error('connect ECONNREFUSED'))).toBe(false);
  }, 30_000);
});
