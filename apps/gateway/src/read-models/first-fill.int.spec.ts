import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type INestApplication } from '@nestjs/common';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { MongoClient, type Collection } from 'mongodb';
import request from 'supertest';
import { TOPICS } from '@app/contracts';
import { startEmbeddedEventStore, type EmbeddedEventStore } from '@app/eventstore-server';
import { dlqTopic, eventMessage, MESSAGE_BUS, type MessageBus, type ReceivedMessage } from '@app/messaging';
import { initHttpApp, readInfrastructureConfig } from '@app/platform';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { describeIf, freePort, infraEnv, makeTempDir, waitFor } from '@app/testing';
import { gatewayGroupsOfItsOwn } from '../config/consumer-groups.testing';
import { readGatewayConfig } from '../config/gateway.config';
import { createGatewayApp } from '../gateway.app';
import { COLLECTIONS, type UserDoc } from './documents';
import { FIRST_FILL_CHECKPOINT, FIRST_FILL_STARTED, ProjectionFeed } from './projection-feed';

/** The service's database on MongoDB. */
const GATEWAY_DB = 'gateway';
const metadata = { correlationId: 'c', causationId: 'c', actor: 'system', schemaVersion: 1, commandId: 'x' };
const at = '2026-01-01T00:00:00.000Z';
const registered = (userId: string) => ({
  type: 'UserRegistered',
  data: { userId, actorId: userId, at, name: `Name ${userId}`, email: `${userId}@example.com` },
});

/** An event store on a port fixed up front, so the gateway can be pointed at it while it is down. */
async function eventStoreOnFixedPort() {
  const port = await freePort();
  const dataDir = await makeTempDir('first-fill-store');
  let server: EmbeddedEventStore | undefined;
  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    start: async () => {
      server = await startEmbeddedEventStore({ port, dataDir, fsync: false });
    },
    stop: async () => {
      await server?.close();
      server = undefined;
    },
  };
}

async function appendUsers(connectionString: string, userIds: readonly string[]): Promise<void> {
  const client = EventStoreDBClient.connectionString(connectionString);
  try {
    for (const userId of userIds)
      await client.appendToStream(`user-${userId}`, jsonEvent({ ...registered(userId), metadata }));
  } finally {
    await client.dispose();
  }
}

/** This suite's consumer groups on Kafka, made once (at the end of the topics: earlier suites' events are no concern). */
let groups: ReturnType<typeof gatewayGroupsOfItsOwn> | undefined;

/** A gateway on the given event store, its read store as configured (on MongoDB, the `gateway` database). */
async function startGateway(connectionString: string): Promise<INestApplication> {
  const infra = {
    ...readInfrastructureConfig({ ...process.env, DATA_DIR: await makeTempDir('first-fill-gateway') }),
    eventStoreConnectionString: connectionString,
  };
  const app = await createGatewayApp(infra, {
    quiet: true,
    config: readGatewayConfig(await (groups ??= gatewayGroupsOfItsOwn())),
  });
  await initHttpApp(app);
  return app;
}

/** The `gateway` database's record of the first fill, for the shared MongoDB of the infra run. */
async function withCheckpoints(
  work: (checkpoints: Collection<{ _id: string; position: string }>) => Promise<unknown>,
) {
  const client = await MongoClient.connect(infraEnv.mongoUrl!);
  try {
    await work(client.db(GATEWAY_DB).collection<{ _id: string; position: string }>('checkpoints'));
  } finally {
    await client.close();
  }
}

/**
 * The MongoDB read store outlives a gateway (the in-memory one does not): the suites before this one filled it and
 * recorded that. Make it a store whose fill was started and never finished.
 */
async function leaveFirstFillUnfinished(): Promise<void> {
  if (!infraEnv.mongoUrl) return;
  await withCheckpoints(async (checkpoints) => {
    await checkpoints.deleteOne({ _id: FIRST_FILL_CHECKPOINT });
    await checkpoints.updateOne(
      { _id: FIRST_FILL_STARTED },
      { $set: { position: new Date().toISOString() } },
      { upsert: true },
    );
  });
}

const userIn = (app: INestApplication, userId: string) =>
  app.get<ReadStore>(READ_STORE).collection<UserDoc>(COLLECTIONS.users).get(userId);

describe('the read models’ first fill from the event store', () => {
  beforeEach(leaveFirstFillUnfinished);

  it('is tried again while the event store is down; a live event waits for it and is not dead-lettered', async () => {
    const store = await eventStoreOnFixedPort();
    const before = `before-${randomUUID()}`;
    const live = `live-${randomUUID()}`;
    await store.start();
    await appendUsers(store.connectionString, [before]);
    await store.stop();
    const app = await startGateway(store.connectionString);
    try {
      const bus = app.get<MessageBus>(MESSAGE_BUS);
      const deadLettered: ReceivedMessage[] = [];
      const watch = await bus.subscribe({
        groupId: `first-fill-dlq-${randomUUID()}`,
        topics: [dlqTopic(TOPICS.identityUsers)],
        fromBeginning: false,
        handler: async (message) => void deadLettered.push(message),
      });
      const liveEventId = randomUUID();
      await bus.publish([
        eventMessage(TOPICS.identityUsers, {
          id: liveEventId,
          type: 'identity.UserRegistered.v1',
          source: '/identity-platform/identity',
          subject: live,
          time: at,
          specversion: '1.0',
          datacontenttype: 'application/json',
          correlationid: liveEventId,
          causationid: liveEventId,
          actor: live,
          revision: '0',
          data: registered(live).data,
        }),
      ]);
      // Longer than a handler's retries last (about 1.5 s, then the DLQ), with the fill failing all along.
      await sleep(5_000);
      expect(await userIn(app, live)).toBeNull();
      // Meanwhile the gateway is alive, not ready, and answers no route from half-filled models.
      const http = request(app.getHttpServer());
      await http.get('/health/live').expect(200);
      const notReady = await http.get('/health/ready').expect(503);
      expect(notReady.body.error['read-models']).toEqual({
        status: 'down',
        message: 'being filled from the event store',
      });
      const refused = await http.get('/v1/invitations/some-token').expect(503);
      expect([refused.body.code, refused.headers['retry-after']]).toEqual(['service-unavailable', '1']);
      expect(refused.body.title).toBe(
        'Service unavailable: the read models are still being filled from the event store; retry shortly',
      );

      await store.start();
      await waitFor(async () => (await userIn(app, live)) !== null, {
        timeoutMs: 40_000,
        what: 'the live event projected',
      });
      expect(await userIn(app, before)).toMatchObject({ revision: 0, email: `${before}@example.com` });
      expect(await app.get<ReadStore>(READ_STORE).checkpoints.load(FIRST_FILL_CHECKPOINT)).toBeDefined();
      const ready = await request(app.getHttpServer()).get('/health/ready').expect(200);
      expect(ready.body.info['read-models']).toEqual({ status: 'up' });
      await request(app.getHttpServer()).get('/v1/invitations/some-token').expect(400); // not a token
      await watch.close();
      expect(deadLettered.filter((m) => m.headers.ce_id === liveEventId)).toEqual([]);
    } finally {
      await app.close();
      await store.stop();
    }
  }, 90_000);

  it('stops waiting when the service stops before the event store came back', async () => {
    const store = await eventStoreOnFixedPort();
    const app = await startGateway(store.connectionString);
    const outcome = app
      .get(ProjectionFeed)
      .ready()
      .then(
        () => 'filled',
        (error: Error) => error.name,
      );
    await sleep(1_500); // a failed attempt or two
    await app.close();
    expect(await outcome).toBe('AbortError');
  });

  describeIf(infraEnv.mongoUrl)('on MongoDB', () => {
    it('fills a store an earlier fill left part-written, then records the fill and does not run it again', async () => {
      const store = await eventStoreOnFixedPort();
      const [first, second] = [`first-${randomUUID()}`, `second-${randomUUID()}`];
      await store.start();
      const client = await MongoClient.connect(infraEnv.mongoUrl!);
      const users = client.db(GATEWAY_DB).collection<UserDoc>(COLLECTIONS.users);
      try {
        await appendUsers(store.connectionString, [first, second]);
        // What a fill that died after its first write left: one user, its start recorded, its end not.
        const { data } = registered(first);
        await users.insertOne({
          _id: first,
          revision: 0,
          userId: first,
          name: data.name,
          email: data.email,
          emailVerified: false,
          twoFactorEnabled: false,
          locked: false,
          createdAt: at,
        });
        let app = await startGateway(store.connectionString);
        try {
          await app.get(ProjectionFeed).ready();
          expect(await userIn(app, second)).toMatchObject({ revision: 0, email: `${second}@example.com` });
          expect(await userIn(app, first)).toMatchObject({ revision: 0, email: `${first}@example.com` });
        } finally {
          await app.close();
        }

        // Filled and recorded: a user appended now (nothing relays it here) is not projected by a second start.
        const third = `third-${randomUUID()}`;
        await appendUsers(store.connectionString, [third]);
        app = await startGateway(store.connectionString);
        try {
          await app.get(ProjectionFeed).ready();
          expect(await userIn(app, third)).toBeNull();
          expect(await userIn(app, second)).not.toBeNull();
        } finally {
          await app.close();
        }
      } finally {
        await users.deleteMany({ _id: { $in: [first, second] } });
        await client.close();
        await store.stop();
      }
    }, 60_000);

    it('a rebuild whose pass after the switch meets the event store down tries it again and is done once it is back', async () => {
      const store = await eventStoreOnFixedPort();
      const user = `rebuilt-${randomUUID()}`;
      await store.start();
      await appendUsers(store.connectionString, [user]);
      const app = await startGateway(store.connectionString);
      const client = await MongoClient.connect(infraEnv.mongoUrl!);
      const aliases = client
        .db(GATEWAY_DB)
        .collection<{ _id: string; physical: string }>('read_model_aliases');
      const usersCollection = async () => (await aliases.findOne({ _id: COLLECTIONS.users }))?.physical;
      try {
        const feed = app.get(ProjectionFeed);
        await feed.ready();
        const before = await usersCollection();
        const outcome = feed.rebuild().then(
          ({ events }) => ({ events }),
          (error: Error) => ({ error: error.message }),
        );
        await waitFor(async () => (await usersCollection()) !== before, {
          timeoutMs: 30_000,
          intervalMs: 5,
          what: 'the switch',
        });
        await store.stop();
        // The pass after the switch starts once the switch settles (2 s), fails, and is tried again.
        await sleep(4_000);
        await store.start();
        expect(await outcome).toEqual({ events: expect.any(Number) });
        expect(await userIn(app, user)).toMatchObject({ revision: 0, email: `${user}@example.com` });
      } finally {
        await client.close();
        await app.close();
        await store.stop();
      }
    }, 60_000);

    it('takes a store filled before fills were recorded (data, no record either way) as filled, and records it', async () => {
      const store = await eventStoreOnFixedPort();
      await store.start();
      try {
        await withCheckpoints((checkpoints) =>
          checkpoints.deleteMany({ _id: { $in: [FIRST_FILL_CHECKPOINT, FIRST_FILL_STARTED] } }),
        );
        const unprojected = `unprojected-${randomUUID()}`;
        await appendUsers(store.connectionString, [unprojected]);
        const app = await startGateway(store.connectionString);
        try {
          await app.get(ProjectionFeed).ready();
          // Not filled again over what running replicas keep up to date
          expect(await userIn(app, unprojected)).toBeNull();
          expect(await app.get<ReadStore>(READ_STORE).checkpoints.load(FIRST_FILL_CHECKPOINT)).toBe(
            'found filled',
          );
        } finally {
          await app.close();
        }
      } finally {
        await store.stop();
      }
    });
  });
});
