import { Kafka, logLevel, type Admin } from 'kafkajs';
import { infraEnv } from './infra-env';

/**
 * Consumer groups for test suites on the one Kafka a test run shares. Every suite publishes to the same topics, so a
 * group a service shares with the suites before it starts behind what they left there: other event stores' events,
 * of no use to it, and sometimes more than a suite may wait for (projections into FerretDB take each event in turn).
 */

/** Commits each of `groupIds` (new groups) at the current end of `topics`, those that exist yet. */
export async function groupsAtTopicEnds(
  groupIds: readonly string[],
  topics: readonly string[],
): Promise<void> {
  if (!infraEnv.kafkaBrokers) return;
  await withAdmin(async (admin, kafka) => {
    const existing = new Set(await admin.listTopics());
    const ends = await Promise.all(
      topics
        .filter((topic) => existing.has(topic))
        .map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) })),
    );
    if (ends.length > 0) await Promise.all(groupIds.map((groupId) => commitAt(kafka, admin, groupId, ends)));
  });
}

type Offsets = readonly { topic: string; partitions: readonly { partition: number; high: string }[] }[];

/**
 * What kafkajs's `admin.setOffsets` does, for all the topics in one join and without its consumer's 5 s fetch wait
 * (which cost 10 s a platform): a member that pauses everything, seeks to the offsets, and leaves once a fetch went
 * round, which commits the seeks. As there, the seeks are made before the first fetch starts (`run` not awaited); the
 * offsets are read back, and the move made again if they are not there.
 */
async function commitAt(kafka: Kafka, admin: Admin, groupId: string, offsets: Offsets): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await seekAndLeave(kafka, groupId, offsets);
    const committed = await admin.fetchOffsets({ groupId, topics: offsets.map((o) => o.topic) });
    const there = offsets.every(({ topic, partitions }) =>
      partitions.every(
        ({ partition, high }) =>
          committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === partition)
            ?.offset === high,
      ),
    );
    if (there) return;
    if (attempt === 3) throw new Error(`the offsets of consumer group ${groupId} could not be set`);
  }
}

async function seekAndLeave(kafka: Kafka, groupId: string, offsets: Offsets): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: offsets.map((o) => o.topic), fromBeginning: true });
    const fetched = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no fetch in group ${groupId} within 30 s`)), 30_000);
      consumer.on(consumer.events.FETCH, () => {
        clearTimeout(timer);
        resolve();
      });
      consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
    });
    consumer.pause(offsets.map(({ topic }) => ({ topic })));
    for (const { topic, partitions } of offsets)
      for (const { partition, high } of partitions) consumer.seek({ topic, partition, offset: high });
    await fetched;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Moves each of `groupIds` that has no members to the end of every topic it has committed offsets in. A group with
 * members (a service of a suite that did not stop it) is left where it is: it cannot be moved under them. Only when
 * Jest runs one suite at a time (one worker, as on two cores: test/jest/temp-root.setup.js says which): with suites
 * side by side a group empty for a moment could be moved past what another suite's service has still to handle.
 */
export async function skipWhatEarlierSuitesLeft(groupIds: readonly string[]): Promise<void> {
  if (!infraEnv.kafkaBrokers || process.env.TEST_SUITES_ONE_AT_A_TIME !== 'true') return;
  await withAdmin(async (admin, kafka) => {
    const { groups } = await admin.describeGroups([...groupIds]);
    const empty = groups.filter((g) => g.state === 'Empty').map((g) => g.groupId);
    await Promise.all(
      empty.map(async (groupId) => {
        const committed = await admin.fetchOffsets({ groupId });
        const ends = await Promise.all(
          committed.map(async ({ topic }) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) })),
        );
        const behind = committed.some(({ topic, partitions }) =>
          partitions.some((p) => {
            const end = ends
              .find((e) => e.topic === topic)
              ?.partitions.find((e) => e.partition === p.partition);
            return end !== undefined && BigInt(p.offset) < BigInt(end.high);
          }),
        );
        if (behind) await commitAt(kafka, admin, groupId, ends);
      }),
    );
  });
}

async function withAdmin<T>(work: (admin: Admin, kafka: Kafka) => Promise<T>): Promise<T> {
  const kafka = new Kafka({ brokers: [...infraEnv.kafkaBrokers!], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin, kafka);
  } finally {
    await admin.disconnect();
  }
}
