import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaBus, RequestReplyClient, replyTopicOf, serveRequests } from '@app/messaging';
import { describeIf, infraEnv, waitFor } from '@app/testing';

/**
 * Replicas of a requester share one reply topic and leave nothing behind: no topic per instance, and the consumer
 * group each reads it with goes when the instance goes, closed or killed.
 */
describeIf(infraEnv.kafkaBrokers)('request/reply on Kafka: nothing left per instance', () => {
  const brokers = [...(infraEnv.kafkaBrokers ?? [])];
  let admin: Admin;
  let bus: KafkaBus;
  const groupsOf = async (topic: string) =>
    (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${topic}.`));

  beforeAll(async () => {
    admin = new Kafka({ brokers, clientId: 'reply-groups', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    bus = new KafkaBus({ brokers, clientId: `reply-groups-${randomUUID().slice(0, 8)}` });
  });
  afterAll(async () => {
    await bus.close();
    await admin.disconnect();
  });

  it('two instances of one requester share its reply topic, each settles its own replies, and closing removes its group', async () => {
    const requester = `shared-${randomUUID().slice(0, 8)}`;
    const commands = `commands.${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ topic: commands, partitions: 3, replicationFactor: 1 }]);
    const server = await serveRequests(bus, {
      groupId: `svc-${commands}`,
      topic: commands,
      handler: async (payload) => ({ echoed: payload }),
    });
    const other = new KafkaBus({ brokers, clientId: `reply-groups-${randomUUID().slice(0, 8)}` });
    const [a, b] = await Promise.all([
      RequestReplyClient.start(bus, requester, 'a'),
      RequestReplyClient.start(other, requester, 'b'),
    ]);
    try {
      expect(a.replyTopic).toBe(replyTopicOf(requester));
      expect(b.replyTopic).toBe(a.replyTopic);
      const asked = (client: RequestReplyClient, who: string) =>
        Promise.all(
          Array.from({ length: 15 }, (_, i) =>
            client.request(commands, `k-${i % 5}`, { who, i }, { timeoutMs: 20_000 }),
          ),
        );
      const [fromA, fromB] = await Promise.all([asked(a, 'a'), asked(b, 'b')]);
      expect(fromA).toEqual(Array.from({ length: 15 }, (_, i) => ({ echoed: { who: 'a', i } })));
      expect(fromB).toEqual(Array.from({ length: 15 }, (_, i) => ({ echoed: { who: 'b', i } })));
      expect((await groupsOf(a.replyTopic)).sort()).toEqual([`${a.replyTopic}.a`, `${a.replyTopic}.b`]);
      const offsets = await admin.fetchOffsets({ groupId: `${a.replyTopic}.a`, topics: [a.replyTopic] });
      expect(offsets[0]!.partitions.every((p) => p.offset === '-1')).toBe(true); // commits nothing
    } finally {
      await a.close();
      await b.close();
      await other.close();
      await server.close();
    }
    expect(await groupsOf(replyTopicOf(requester))).toEqual([]);
    const topics = await admin.listTopics();
    expect(topics.filter((t) => t.startsWith(replyTopicOf(requester))).sort()).toEqual([
      replyTopicOf(requester),
      `${replyTopicOf(requester)}.dlq`,
    ]);
  });

  it('the group of an instance killed without closing anything is gone once its session expired', async () => {
    const requester = `killed-${randomUUID().slice(0, 8)}`;
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, 'reply-client.fixture.ts'), requester, 'victim'],
      { env: { ...process.env, KAFKA_BROKERS: brokers.join(',') }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(child, 'exit');
    try {
      await waitFor(() => child.stdout.read()?.toString().includes('ready'), {
        timeoutMs: 60_000,
        what: 'the requester process started',
      });
      const group = `${replyTopicOf(requester)}.victim`;
      expect(await groupsOf(replyTopicOf(requester))).toEqual([group]);
      child.kill('SIGKILL');
      await exited;
      // The member's 10 s session expires, the group is empty with no offsets, and the broker drops it at its next
      // offsets-retention check (every 10 min by default; the test broker checks every 5 s).
      await waitFor(async () => (await groupsOf(replyTopicOf(requester))).length === 0, {
        timeoutMs: 60_000,
        intervalMs: 1_000,
        what: 'the killed instance group dropped by the broker',
      });
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
