import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { EventStoreDBClient, FORWARDS, jsonEvent, START } from '@eventstore/db-client';
import { toRecordedDomainEvent } from '@app/event-store';
import { defaultCatalog } from '@app/permissions';
import {
  AddressSubjects,
  acquirePersonalData,
  releasePersonalData,
  type PersonalData,
} from '@app/personal-data';
import { InMemoryReadStore, MongoReadStore, READ_STORE, type ReadStore } from '@app/read-store';
import { PUBLIC_EVENT_MAPPINGS, toPublicEnvelope } from '@app/relay';
import { infraEnv, makeTempDir } from '@app/testing';
import { READ_MODELS } from '../apps/gateway/src/gateway.tokens';
import { ReadModelProjector } from '../apps/gateway/src/read-models/projector';
import { readModelsOf, type ReadModels } from '../apps/gateway/src/read-models/read-models';
import { projectFromEventStore, projectionTargetFor } from '../apps/gateway/src/read-models/rebuild';
import { COLLECTIONS } from '../apps/gateway/src/read-models/documents';
import { directTarget } from '../apps/gateway/src/read-models/staged-read-models';
import { bearer, startPlatform } from '../test/platform.testing';
import { startServerProcess } from './server-process';
import { line, ms, perSecond, runIfMain, summarize } from './stats';

const MEMBERS = 10_000;

/**
 * The public API under load, with the load generator (autocannon) in its own process: one member read at 1, 10 and
 * 100 connections against a bare Nest route on the same adapter; the members list of a 10,000-member organization;
 * a command's round trip (PATCH a role, then GET shows it); and rebuilding the read models.
 */
export async function run(): Promise<void> {
  const platform = await startPlatform();
  try {
    const gatewayUrl = await listen(platform.gateway);
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Bench');
    const bob = await platform.join(ada, orgId, 'Bob');
    const bare = await bareNestRoute('fastify');
    const bareExpress = await bareNestRoute('express');
    const auth = `authorization=Bearer ${ada.token}`;

    console.log(
      'adapter: Nest on Fastify; access tokens verified with a prepared (cached) key object from the JWKS',
    );
    for (const connections of [1, 10, 100]) {
      const baseline = await load(`${bare.url}/bare`, connections, []);
      const express = await load(`${bareExpress.url}/bare`, connections, []);
      const member = await load(`${gatewayUrl}/v1/orgs/${orgId}/members/${bob.userId}`, connections, [auth]);
      const perCore = member.rps / Math.max(member.cores, 1);
      line(
        `GET member, ${connections} connection(s): req/s, per core, p99`,
        `${perSecond(member.rps)} (${member.cores.toFixed(2)} cores busy: ${perSecond(perCore)} per core), ${ms(member.p99)}; bare Fastify route ${perSecond(baseline.rps)} (${baseline.cores.toFixed(2)} cores), ${ms(baseline.p99)}; ${(member.rps / baseline.rps).toFixed(2)}x (bare Express route ${perSecond(express.rps)}, Fastify/Express ${(baseline.rps / express.rps).toFixed(2)}x)`,
        '>= 5,000/s per core, p99 <= 10 ms, >= 0.4x bare',
        perCore >= 5_000 && member.p99 <= 10 && member.rps >= 0.4 * baseline.rps,
      );
    }
    await bare.app.close();
    await bareExpress.app.close();

    // Before the 10,000-member organization: on FerretDB, which scans, it slows every later projection.
    const roundTrips: number[] = [];
    for (let i = 0; i < 300; i++) {
      const role = i % 2 === 0 ? 'admin' : 'user';
      const started = performance.now();
      await platform.http
        .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
        .set(bearer(ada))
        .send({ role })
        .expect(200);
      const read = await platform.http
        .get(`/v1/orgs/${orgId}/members/${bob.userId}`)
        .set(bearer(ada))
        .expect(200);
      roundTrips.push(performance.now() - started);
      if (read.body.role !== role) throw new Error('the read did not show the change');
    }
    const trip = summarize(roundTrips.slice(20));
    line(
      `command round trip (PATCH role, GET shows it) on ${process.env.KAFKA_BROKERS ? 'Kafka' : 'the in-process bus'}`,
      `p50 ${ms(trip.p50)}, p99 ${ms(trip.p99)}`,
      process.env.KAFKA_BROKERS ? 'p99 <= 50 ms' : 'figure',
      process.env.KAFKA_BROKERS ? trip.p99 <= 50 : undefined,
    );
    const store = platform.gateway.get<ReadStore>(READ_STORE);
    const large = await seedLargeOrganization(
      store,
      platform.gateway.get<ReadModels>(READ_MODELS),
      ada.userId,
    );
    const onMongo = store instanceof MongoReadStore ? store : undefined;
    const notDeleted = { _deleted: { $ne: true } };
    const cursorId = Buffer.from(large.cursor, 'base64url').toString('utf8');
    // The API's cursor for the same place (sealed: the store's own is no cursor the API takes).
    const apiCursor = (
      await platform.http
        .get(`/v1/orgs/${large.orgId}/members?role=user&limit=50`)
        .set(bearer(ada))
        .expect(200)
    ).body.nextCursor as string;
    for (const [what, query, plain] of [
      ['first page', 'limit=50', {}],
      [
        'role=user, page 2',
        `role=user&limit=50&cursor=${apiCursor}`,
        { role: 'user', _id: { $gt: cursorId } },
      ],
      ['q=member-42', 'q=member-42&limit=50', { $or: [{ name: /member-42/i }, { email: /member-42/i }] }],
      ['teamId', `teamId=${large.teamId}&limit=50`, { teamIds: large.teamId }],
      ['schedulable=true', 'schedulable=true&limit=50', { schedulable: true }],
    ] as const) {
      // FerretDB v1 scans for every query: at 10 connections both sides only measure its queue.
      const list = await load(`${gatewayUrl}/v1/orgs/${large.orgId}/members?${query}`, onMongo ? 1 : 10, [
        `authorization=Bearer ${ada.token}`,
      ]);
      if (!onMongo) {
        line(
          `members of 10,000, ${what}: p99, req/s`,
          `${ms(list.p99)}, ${perSecond(list.rps)}`,
          'p99 <= 20 ms',
          list.p99 <= 20,
        );
        continue;
      }
      const find = await plainFind(onMongo, { orgId: large.orgId, ...notDeleted, ...plain }, 1);
      line(
        `members of 10,000 on FerretDB, ${what}: p99`,
        `${ms(list.p99)}; plain indexed find ${ms(find.p99)}; ${(list.p99 / Math.max(find.p99, 1)).toFixed(2)}x`,
        '<= 2x a plain indexed find',
        list.p99 <= 2 * Math.max(find.p99, 1),
      );
    }
    if (!onMongo) await auditListFigures(gatewayUrl, large, ada.token);
  } finally {
    await platform.close();
  }
  await rebuildFigures();
}

/**
 * The audit list of the 14,000-event organization, each filter against the unfiltered first page in the same run:
 * a time span is bounded by halving over the revisions, a list of types and a member by their indexes.
 */
async function auditListFigures(
  gatewayUrl: string,
  large: { orgId: string; early: string; late: string },
  token: string,
): Promise<void> {
  const list = (query: string) =>
    load(`${gatewayUrl}/v1/orgs/${large.orgId}/audit/events?limit=50${query}`, 10, [
      `authorization=Bearer ${token}`,
    ]);
  const unfiltered = await list('');
  for (const [what, query] of [
    ['from the last 100 events', `&from=${large.late}`],
    ['to the first 100 events', `&to=${large.early}`],
    ['type=SchedulableChanged,TeamMemberAdded', '&type=SchedulableChanged,TeamMemberAdded'],
    ['userId of one member', '&userId=member-4242'],
  ] as const) {
    const filtered = await list(query);
    line(
      `audit list of 14,000 events, ${what}: p99, req/s`,
      `${ms(filtered.p99)}, ${perSecond(filtered.rps)}; unfiltered first page ${ms(unfiltered.p99)}, ${perSecond(unfiltered.rps)}; ${(filtered.rps / unfiltered.rps).toFixed(2)}x`,
      'figure',
      undefined,
    );
  }
}

async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

/** An adapter with nothing on it: the ceiling a route of ours is compared with. */
async function bareNestRoute(
  adapter: 'fastify' | 'express',
): Promise<{ app: INestApplication; url: string }> {
  @Controller()
  class BareController {
    @Get('bare')
    bare() {
      return { userId: 'u1', name: 'Bare', role: 'user', tags: [], teams: [] };
    }
  }
  @Module({ controllers: [BareController] })
  class BareModule {}
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(BareModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(BareModule, { logger: false });
  return { app, url: await listen(app) };
}

/**
 * The list's query straight through the driver, on the same collection and indexes, from as many concurrent callers
 * as the load on the API, for 5 s: p99 in whole milliseconds, as autocannon reports them.
 */
async function plainFind(
  store: MongoReadStore,
  filter: Record<string, unknown>,
  concurrency: number,
): Promise<{ p99: number }> {
  const db = store.connection.db!;
  const alias = await db.collection<{ _id: string; physical: string }>('read_model_aliases').findOne({
    _id: COLLECTIONS.members,
  });
  const members = db.collection(alias?.physical ?? COLLECTIONS.members);
  const latencies: number[] = [];
  const until = performance.now() + 5_000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await members.find(filter).sort({ _id: 1 }).limit(51).toArray();
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { p99: Math.round(summarize(latencies).p99) };
}

/** autocannon in its own process for 5 s: requests per second and p99 latency. */
/**
 * autocannon against a server in this process, for 5 s. `cores` is how much CPU this process used meanwhile (1 = one
 * core busy the whole time): the server's own, since autocannon runs in its own process.
 */
async function load(
  url: string,
  connections: number,
  headers: string[],
): Promise<{ rps: number; p99: number; cores: number }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const { stdout } = await promisify(execFile)(
    join(__dirname, '../node_modules/.bin/autocannon'),
    ['-c', String(connections), '-d', '5', '-j', ...headers.flatMap((h) => ['-H', h]), url],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p99: number };
    non2xx: number;
    errors: number;
  };
  const cpu = process.cpuUsage(cpuBefore);
  const cores = (cpu.user + cpu.system) / 1_000 / (performance.now() - started);
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, cores };
}

/** 10,000 members (a third schedulable, 1,000 in one team) projected into the gateway's read models. */
/** Projected through memory and written in bulk, as a rebuild is: one by one, 10,000 members take minutes on FerretDB. */
async function seedLargeOrganization(
  store: ReadStore,
  models: ReadModels,
  ownerId: string,
): Promise<{ orgId: string; teamId: string; cursor: string; early: string; late: string }> {
  const target = projectionTargetFor(store, models);
  const projector = new ReadModelProjector(
    target.models,
    defaultCatalog,
    new AddressSubjects(randomBytes(32)),
  );
  const orgId = randomUUID();
  const teamId = randomUUID();
  const start = Date.now() - 3_600_000;
  const at = new Date(start).toISOString();
  let revision = 0;
  // One event a millisecond, so that the audit list's time filters have a history to bound.
  const org = (type: string, data: Record<string, unknown>) => {
    const stamped = new Date(start + revision).toISOString();
    return projector.applyOrganizationEvent({
      id: randomUUID(),
      type,
      orgId,
      revision: revision++,
      actorId: ownerId,
      correlationId: 'bench',
      at: stamped,
      data: { orgId, actorId: ownerId, at: stamped, ...data },
    });
  };
  await org('OrganizationCreated', { name: 'Large', ownerId, plan: 'standard' });
  await org('TeamCreated', { teamId, name: 'Team' });
  for (let i = 0; i < MEMBERS; i++) {
    const userId = `member-${i}`;
    await projector.applyUserEvent({
      type: 'UserRegistered',
      userId,
      revision: 0,
      at,
      data: { userId, name: `Member ${i}`, email: `member-${i}@example.com`, at },
    });
    await org('MemberJoined', { userId, role: 'user', via: 'invitation' });
    if (i % 3 === 0) await org('SchedulableChanged', { userId, schedulable: true });
    if (i % 10 === 0) await org('TeamMemberAdded', { teamId, userId, role: 'member' });
  }
  await target.flush();
  const first = await models.members.find({ where: { orgId, role: 'user' } }, { limit: 50 });
  return {
    orgId,
    teamId,
    cursor: first.nextCursor!,
    // The instants 100 events after the first and 100 before the last.
    early: new Date(start + 100).toISOString(),
    late: new Date(start + revision - 100).toISOString(),
  };
}

/** A history of 100,000 organization events in an event store of its own, projected from scratch. */
export async function rebuildFigures(): Promise<void> {
  const dir = await makeTempDir('bench-rebuild');
  const server = await startServerProcess(join(dir, 'store'));
  const client = EventStoreDBClient.connectionString(server.connectionString);
  const personalData = await acquirePersonalData({ dataDir: dir });
  try {
    const events = await appendHistory(client, 400, 250);
    const read = performance.now();
    let count = 0;
    for await (const resolved of client.readAll({
      direction: FORWARDS,
      fromPosition: START,
      maxCount: Number.MAX_SAFE_INTEGER,
    }))
      if (resolved.event) count++;
    const readRate = count / ((performance.now() - read) / 1000);

    const started = performance.now();
    const projected = await projectFromEventStore(
      client,
      directTarget(readModelsOf(new InMemoryReadStore())),
      defaultCatalog,
      personalData,
    );
    const endToEnd = projected.events / ((performance.now() - started) / 1000);

    const envelopes = [];
    const mapping = PUBLIC_EVENT_MAPPINGS.membership;
    for await (const resolved of client.readAll({
      direction: FORWARDS,
      fromPosition: START,
      maxCount: Number.MAX_SAFE_INTEGER,
    })) {
      if (!resolved.event?.streamId.startsWith(mapping.streamPrefix)) continue;
      const recorded = toRecordedDomainEvent(resolved);
      if (recorded) envelopes.push(toPublicEnvelope(mapping, recorded));
    }
    const projector = new ReadModelProjector(
      readModelsOf(new InMemoryReadStore()),
      defaultCatalog,
      personalData.addresses,
    );
    const applied = performance.now();
    for (const envelope of envelopes) await projector.apply(envelope);
    const projectionOnly = envelopes.length / ((performance.now() - applied) / 1000);

    line(
      `rebuild ${events.toLocaleString('en-US')} events into memory, end to end`,
      perSecond(endToEnd),
      '>= 100,000/s per core',
      endToEnd >= 100_000,
    );
    line('  reading $all through the client alone', perSecond(readRate), 'the ceiling of the above');
    line(
      '  projecting alone (events already read)',
      perSecond(projectionOnly),
      '>= 100,000/s per core',
      projectionOnly >= 100_000,
    );
    if (infraEnv.mongoUrl) await rebuildIntoMongo(client, infraEnv.mongoUrl, personalData);
  } finally {
    await releasePersonalData(personalData);
    await client.dispose();
    await server.stop();
  }
}

/**
 * The same history into MongoDB (FerretDB here), staged and written in bulk, against the ceiling: the rebuilt
 * documents inserted with the driver's `insertMany` in batches of 1,000 into an empty database.
 */
async function rebuildIntoMongo(
  client: EventStoreDBClient,
  url: string,
  personalData: PersonalData,
): Promise<void> {
  const rebuilt = await MongoReadStore.connect(url, `bench_rebuild_${randomUUID().slice(0, 8)}`);
  const ceiling = await MongoReadStore.connect(url, `bench_ceiling_${randomUUID().slice(0, 8)}`);
  try {
    const started = performance.now();
    const projected = await projectFromEventStore(
      client,
      projectionTargetFor(rebuilt, readModelsOf(rebuilt)),
      defaultCatalog,
      personalData,
    );
    const seconds = (performance.now() - started) / 1000;
    const documents: Record<string, Record<string, unknown>[]> = {};
    let total = 0;
    for (const name of Object.values(COLLECTIONS)) {
      const docs: Record<string, unknown>[] = [];
      let cursor: string | undefined;
      do {
        const page = await rebuilt.collection(name).find({}, { limit: 5_000, ...(cursor ? { cursor } : {}) });
        docs.push(...(page.items as unknown as Record<string, unknown>[]));
        cursor = page.nextCursor;
      } while (cursor);
      documents[name] = docs;
      total += docs.length;
    }
    const inserted = performance.now();
    for (const [name, docs] of Object.entries(documents))
      for (let i = 0; i < docs.length; i += 1_000)
        await ceiling.connection
          .db!.collection(name)
          .insertMany(docs.slice(i, i + 1_000), { ordered: false });
    const ceilingRate = total / ((performance.now() - inserted) / 1000);
    const rate = total / seconds;
    line(
      `rebuild ${projected.events.toLocaleString('en-US')} events into MongoDB (FerretDB), end to end`,
      `${perSecond(projected.events / seconds)} events, ${perSecond(rate)} documents; bulk insert ceiling ${perSecond(ceilingRate)} documents; ${(rate / ceilingRate).toFixed(2)}x`,
      '>= 0.5x the bulk-write ceiling',
      rate >= 0.5 * ceilingRate,
    );
  } finally {
    for (const store of [rebuilt, ceiling]) {
      await store.connection.dropDatabase();
      await store.close();
    }
  }
}

async function appendHistory(
  client: EventStoreDBClient,
  organizations: number,
  perOrganization: number,
): Promise<number> {
  let total = 0;
  const at = new Date().toISOString();
  for (let o = 0; o < organizations; o++) {
    const orgId = randomUUID();
    const stamp = { orgId, actorId: 'owner', at };
    const data: [string, Record<string, unknown>][] = [
      ['OrganizationCreated', { ...stamp, name: `Org ${o}`, ownerId: 'owner', plan: 'standard' }],
      ['TeamCreated', { ...stamp, teamId: 't1', name: 'Team' }],
    ];
    for (let i = 0; data.length < perOrganization; i++) {
      const userId = `u${i}`;
      data.push(['MemberJoined', { ...stamp, userId, role: 'user', via: 'invitation' }]);
      if (data.length < perOrganization)
        data.push(['TeamMemberAdded', { ...stamp, teamId: 't1', userId, role: 'member' }]);
      if (data.length < perOrganization && i % 4 === 0)
        data.push(['MemberRoleChanged', { ...stamp, userId, from: 'user', to: 'admin' }]);
    }
    const metadata = {
      correlationId: 'bench',
      causationId: 'bench',
      actor: 'owner',
      tenant: orgId,
      schemaVersion: 1,
      commandId: 'bench',
    };
    await client.appendToStream(
      `organization-${orgId}`,
      data.map(([type, body]) => jsonEvent({ type, data: body, metadata })),
    );
    total += data.length;
  }
  return total;
}

runIfMain(module, run);
