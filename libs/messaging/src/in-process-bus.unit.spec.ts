import { inspect } from 'node:util';
import { waitFor } from '@app/testing';
import { InProcessBus, retentionOf } from './in-process-bus';
import { type ReceivedMessage } from './message-bus';

const HOUR = 3_600_000;

/** The embedded bus keeps what a topic's settings say Kafka keeps, so nothing outlives its retention here either. */
describe('the in-process bus keeps records as long as their topic says', () => {
  let clock = 0;
  let bus: InProcessBus;
  beforeEach(() => {
    clock = Date.parse('2026-01-01T00:00:00Z');
    bus = new InProcessBus(16, () => clock);
  });
  afterEach(() => bus.close());

  const publish = (topic: string, key: string, value: string) =>
    bus.publish([{ topic, key, headers: {}, value: Buffer.from(value) }]);
  /** What a group reads of `topic`, after `expected` messages arrived (it stays subscribed until closed). */
  async function reading(topic: string, groupId: string, expected: number) {
    const seen: ReceivedMessage[] = [];
    const subscription = await bus.subscribe({
      groupId,
      topics: [topic],
      handler: async (message) => void seen.push(message),
    });
    await waitFor(() => seen.length >= expected, { what: `${expected} messages on ${topic}` });
    return { values: () => seen.map((m) => m.value!.toString()), subscription, seen };
  }

  it('reads retention.ms and cleanup.policy as Kafka does; a topic without them keeps a week', () => {
    expect(retentionOf({ 'retention.ms': '3600000' })).toEqual({ ms: HOUR, compact: false });
    expect(retentionOf({ 'cleanup.policy': 'compact' })).toEqual({ ms: 7 * 24 * HOUR, compact: true });
    expect(retentionOf({ 'cleanup.policy': 'compact,delete', 'retention.ms': '60000' })).toEqual({
      ms: 60_000,
      compact: true,
    });
    expect(retentionOf(undefined)).toEqual({ ms: 7 * 24 * HOUR, compact: false });
    expect(retentionOf({ 'retention.ms': 'soon' })).toEqual({ ms: 7 * 24 * HOUR, compact: false });
  });

  it('a record older than the retention is read by nobody, neither a group starting now nor one that fell behind', async () => {
    await bus.ensureTopics([{ topic: 'commands', partitions: 1, config: { 'retention.ms': String(HOUR) } }]);
    const behind = await reading('commands', 'behind', 0);
    await behind.subscription.close();
    await publish('commands', 'k', 'old');
    clock += HOUR + 1;
    await publish('commands', 'k', 'new');
    const late = await reading('commands', 'late', 1);
    const again = await reading('commands', 'behind', 1);
    expect(late.values()).toEqual(['new']);
    expect(again.values()).toEqual(['new']);
    // Offsets stay where they were: the kept record is the second one published.
    expect(late.seen[0]!.offset).toBe('1');
    // Within the retention, both are read.
    await publish('commands', 'k', 'newer');
    clock += HOUR - 1;
    expect((await reading('commands', 'within', 2)).values()).toEqual(['new', 'newer']);
  });

  it('a topic without settings keeps a week, and its dead-letter topic keeps what its own settings say', async () => {
    await bus.ensureTopics([
      { topic: 'events', partitions: 1, dlqConfig: { 'retention.ms': String(24 * HOUR) } },
    ]);
    await publish('events', 'k', 'monday');
    await publish('events.dlq', 'k', 'failed monday');
    clock += 6 * 24 * HOUR;
    expect((await reading('events', 'six-days', 1)).values()).toEqual(['monday']);
    expect((await reading('events.dlq', 'six-days-dlq', 0)).values()).toEqual([]);
    clock += 24 * HOUR + 1;
    await publish('events', 'k', 'next monday');
    expect((await reading('events', 'eight-days', 1)).values()).toEqual(['next monday']);
  });

  it('a compacted topic keeps the latest record of each key, a tombstone included, and a reader behind skips the rest', async () => {
    await bus.ensureTopics([{ topic: 'state', partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    const behind = await reading('state', 'behind', 0);
    await behind.subscription.close();
    await publish('state', 'ada', 'ada v1');
    await publish('state', 'bob', 'bob v1');
    await publish('state', 'ada', 'ada v2');
    await bus.publish([{ topic: 'state', key: 'bob', headers: {}, value: null }]);
    clock += 30 * 24 * HOUR;
    const late = await reading('state', 'late', 2);
    expect(late.values()).toEqual(['ada v2', '']);
    expect(late.seen.map((m) => m.key)).toEqual(['ada', 'bob']);
    const again = await reading('state', 'behind', 2);
    expect(again.values()).toEqual(['ada v2', '']);
    // Past the compacted ones, it reads what comes next, once.
    await publish('state', 'cy', 'cy v1');
    await waitFor(() => again.seen.length === 3, { what: 'the next record' });
    expect(again.values()).toEqual(['ada v2', '', 'cy v1']);
  });

  it('a partition nobody writes to or reads lets go of what it no longer keeps, too', async () => {
    const swept = new InProcessBus(16, () => clock, 5);
    // How the record's bytes show in a dump of the bus's memory.
    const secret = Buffer.from('hunter22');
    const held = () => inspect(swept, { depth: Infinity }).includes(inspect(secret).slice(8, -1));
    try {
      await swept.ensureTopics([{ topic: 'quiet', partitions: 1, config: { 'retention.ms': String(HOUR) } }]);
      await swept.publish([{ topic: 'quiet', key: 'k', headers: {}, value: secret }]);
      expect(held()).toBe(true);
      clock += HOUR + 1;
      await waitFor(() => !held(), { what: 'the expired record let go' });
    } finally {
      await swept.close();
    }
  });

  it('a long partition lets go of what it no longer keeps (offsets and order unchanged)', async () => {
    await bus.ensureTopics([{ topic: 'busy', partitions: 1, config: { 'retention.ms': '1000' } }]);
    for (let i = 0; i < 3_000; i++) {
      await publish('busy', `k${i % 7}`, `m${i}`);
      clock += 1;
    }
    // Read a millisecond after the last: kept are the records of the last second, the one exactly a second old not.
    const late = await reading('busy', 'late', 999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(late.seen).toHaveLength(999);
    expect(late.seen[0]!.offset).toBe('2001');
    expect(late.values().at(-1)).toBe('m2999');
  });
});
