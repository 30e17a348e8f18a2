#!/usr/bin/env node
// Proves kafkajs can use the broker: create a topic, produce idempotently with acks=all, consume in a group.
const { Kafka, Partitioners, logLevel } = require('kafkajs');
const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:19092').split(',');
(async () => {
  // kafkajs logs the broker's retryable start-up answers (coordinator loading) as errors; failures still reach the catch below.
  const kafka = new Kafka({ clientId: 'infra-smoke', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `infra-smoke-${Date.now()}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'hello' }] });
  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
    consumer.run({
      eachMessage: async ({ message }) => {
        clearTimeout(timer);
        resolve(message.value.toString());
      },
    });
  });
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  if (got !== 'hello') throw new Error(`unexpected ${got}`);
  console.error('[infra] kafkajs smoke test passed');
})().catch((e) => {
  console.error('[infra] kafkajs smoke test failed:', e.message);
  process.exit(1);
});
