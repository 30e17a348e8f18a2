import { randomUUID } from 'node:crypto';
import { type EventEnvelope } from '@app/contracts';
import {
  DLQ_HEADERS,
  InvalidEventError,
  dlqTopic,
  eventMessage,
  subscribeToEvents,
  type MessageBus,
  type ReceivedMessage,
} from '@app/messaging';
import { waitFor } from '@app/testing';
import { busAdapters } from './bus-adapters';

const adapters = busAdapters('events');

const registered = (userId: string, email = `${userId}@example.com`): EventEnvelope => ({
  id: randomUUID(),
  type: 'identity.UserRegistered.v1',
  source: '/identity-platform/identity',
  subject: userId,
  time: new Date().toISOString(),
  specversion: '1.0',
  datacontenttype: 'application/json',
  correlationid: 'corr',
  causationid: 'cmd',
  actor: userId,
  revision: '0',
  data: { userId, email, name: 'Ada', actorId: userId, at: new Date().toISOString() },
});

describe.each(adapters)('event contracts on the bus: %s', (_name, create) => {
  let bus: MessageBus;
  beforeAll(() => {
    bus = create();
  });
  afterAll(() => bus.close());

  it('refuses to produce an event that breaks its schema; nothing is sent', () => {
    expect(() => eventMessage('t', registered('u1', 'not-an-email'))).toThrow(InvalidEventError);
    expect(() => eventMessage('t', { ...registered('u1'), type: 'identity.Unknown.v1' })).toThrow(
      /no schema/,
    );
  });

  it('delivers valid events decoded, and dead-letters malformed, unknown and invalid ones while the partition moves on', async () => {
    const topic = `events.${randomUUID().slice(0, 12)}`;
    await bus.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
    const delivered: EventEnvelope[] = [];
    const dead: ReceivedMessage[] = [];
    const dlq = await bus.subscribe({
      groupId: `dlq-${topic}`,
      topics: [dlqTopic(topic)],
      handler: async (m) => void dead.push(m),
    });
    const sub = await subscribeToEvents(bus, {
      groupId: `g-${topic}`,
      topics: [topic],
      retry: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 10 },
      handler: async (event) => void delivered.push(event),
    });
    const good = eventMessage(topic, registered('u1'));
    const invalid = { ...good, value: Buffer.from(JSON.stringify({ userId: 'u2' })) };
    const unknown = { ...good, headers: { ...good.headers, ce_type: 'identity.Unknown.v1' } };
    const { ce_id: _id, ...withoutId } = good.headers;
    const malformed = { ...good, headers: withoutId };
    await bus.publish([invalid, unknown, malformed, good]);
    await waitFor(() => delivered.length === 1 && dead.length === 3, { timeoutMs: 20_000 });
    await Promise.all([sub.close(), dlq.close()]);
    expect(delivered[0]).toMatchObject({
      type: 'identity.UserRegistered.v1',
      subject: 'u1',
      data: { email: 'u1@example.com' },
    });
    expect(dead.map((d) => d.headers[DLQ_HEADERS.attempts])).toEqual(['1', '1', '1']);
    expect(dead[0]!.headers[DLQ_HEADERS.error]).toMatch(/must have required property 'email'/);
    expect(dead[1]!.headers[DLQ_HEADERS.error]).toMatch(/no schema for event type identity.Unknown.v1/);
    expect(dead[2]!.headers[DLQ_HEADERS.error]).toMatch(/missing ce_id/);
  });
});
