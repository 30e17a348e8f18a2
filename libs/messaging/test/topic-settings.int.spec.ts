import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { dlqTopic, KafkaBus, RequestReplyClient, replyTopicOf } from '@app/messaging';
import { describeIf, infraEnv } from '@app/testing';
import { TOPICS, topicSpecs } from '@app/contracts';

/** Topics are created as their specs and the bus's configured defaults say, the reply topics included. */
describeIf(infraEnv.kafkaBrokers)('topic settings on Kafka', () => {
  const brokers = [...(infraEnv.kafkaBrokers ?? [])];
  let admin: Admin;
  let bus: KafkaBus;
  beforeAll(async () => {
    admin = new Kafka({ brokers, clientId: 'topic-settings', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    // a single broker allows replication factor 1 only: the partitions show that the defaults are the bus's
    bus = new KafkaBus({
      brokers,
      clientId: `topic-settings-${randomUUID().slice(0, 8)}`,
      topicDefaults: { partitions: 2, replicationFactor: 1 },
    });
  });
  afterAll(async () => {
    await bus.close();
    await admin.disconnect();
  });

  const partitionsOf = async (topic: string) =>
    (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;
  const retentionOf = async (topic: string) => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
    });
    return resources[0]!.configEntries.find((e) => e.configName === 'retention.ms');
  };

  it('a topic and its dead-letter topic get their own settings; partitions default to the configured ones', async () => {
    const topic = `settings.${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([
      { topic, config: { 'retention.ms': '3600000' }, dlqConfig: { 'retention.ms': '86400000' } },
    ]);
    expect(await partitionsOf(topic)).toBe(2);
    expect(await partitionsOf(dlqTopic(topic))).toBe(2);
    expect(await retentionOf(topic)).toMatchObject({ configValue: '3600000', isDefault: false });
    expect(await retentionOf(dlqTopic(topic))).toMatchObject({ configValue: '86400000', isDefault: false });
  });

  it('a command topic is created as its spec says, rolling its segments as often as it expires them', async () => {
    const [commands] = topicSpecs([TOPICS.identityCommands], { partitions: 1, replicationFactor: 1 });
    const topic = `commands.${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ ...commands!, topic }]);
    for (const [name, config] of [
      [topic, commands!.config!],
      [dlqTopic(topic), commands!.dlqConfig!],
    ] as const) {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms', 'segment.ms'] }],
      });
      const value = (key: string) =>
        resources[0]!.configEntries.find((e) => e.configName === key)?.configValue;
      expect([value('retention.ms'), value('segment.ms')]).toEqual([
        config['retention.ms'],
        config['segment.ms'],
      ]);
    }
  });

  it('a dead-letter topic without settings of its own keeps the broker’s, not its topic’s', async () => {
    const topic = `settings.${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ topic, partitions: 1, config: { 'retention.ms': '3600000' } }]);
    expect(await partitionsOf(topic)).toBe(1);
    expect((await retentionOf(dlqTopic(topic)))?.isDefault).toBe(true);
  });

  it('a requester’s reply topic is created with the configured partitions and replication, not fixed ones', async () => {
    const requester = `settings-${randomUUID().slice(0, 8)}`;
    const client = await RequestReplyClient.start(bus, requester);
    try {
      expect(await partitionsOf(replyTopicOf(requester))).toBe(2);
      expect(await retentionOf(replyTopicOf(requester))).toMatchObject({ configValue: '600000' });
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: replyTopicOf(requester), configNames: ['segment.ms'] },
          {
            type: ConfigResourceTypes.TOPIC,
            name: dlqTopic(replyTopicOf(requester)),
            configNames: ['segment.ms'],
          },
        ],
      });
      expect(resources.map((r) => r.configEntries[0]?.configValue)).toEqual(['600000', '600000']);
    } finally {
      await client.close();
    }
  });
});
