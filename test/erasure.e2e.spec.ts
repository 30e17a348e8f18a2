import { randomInt, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKWARDS, END, FORWARDS, START, jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS, type EventEnvelope } from '@app/contracts';
import { CHAIN_HASH_FIELD, EVENT_STORE_CLIENT, chainHashOf, commandFingerprint } from '@app/event-store';
import { PersonalDataProtection, type PersonalData } from '@app/personal-data';
import { PERSONAL_DATA } from '@app/platform';
import { infraEnv, waitFor } from '@app/testing';
import { READ_MODELS } from '../apps/gateway/src/gateway.tokens';
import { type DeliveryLog } from '../apps/notifications/src/delivery/delivery-log';
import { DELIVERY_LOG } from '../apps/notifications/src/notifications.tokens';
import { ProjectionFeed } from '../apps/gateway/src/read-models/projection-feed';
import { StatePublisher } from '../apps/gateway/src/state-topics/state-publisher';
import { findAll, type ReadModels } from '../apps/gateway/src/read-models/read-models';
import { WriteServices } from '../apps/gateway/src/commands/write-services';
import { requesterOf } from '../apps/gateway/src/http/requester';
import { PASSWORD, bearer, startPlatform, type Platform, type SignedIn } from './platform.testing';

/** Every log line of every service, as written. */
const logLines: string[] = [];
const logTo = { write: (line: string) => void logLines.push(line) };

/** Which of the person's values `text` holds in plain text. */
function plaintextIn(text: string, person: Person): string[] {
  return [person.email, person.name, person.phone, person.phone.slice(1)].filter((value) =>
    text.toLowerCase().includes(value.toLowerCase()),
  );
}

interface Person extends SignedIn {
  readonly name: string;
  readonly phone: string;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function everyDocument(models: ReadModels): Promise<unknown[]> {
  const docs: unknown[] = [];
  for (const collection of Object.values(models)) docs.push(...(await findAll(collection, {})));
  return docs;
}

async function storedEvents(client: EventStoreDBClient, stream: string) {
  const events: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[] = [];
  for await (const resolved of client.readStream(stream, { direction: FORWARDS, fromRevision: START }))
    if (resolved.event)
      events.push({
        type: resolved.event.type,
        data: resolved.event.data as Record<string, unknown>,
        metadata: resolved.event.metadata as Record<string, unknown>,
      });
  return events;
}

/** The first revision whose stored hash does not match the chain recomputed over what is stored; -1 if none. */
function firstBrokenLink(events: Awaited<ReturnType<typeof storedEvents>>): number {
  let previous: string | undefined;
  for (const [revision, event] of events.entries()) {
    const hash = chainHashOf(previous, {
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      revision: BigInt(revision),
    });
    if (hash !== event.metadata[CHAIN_HASH_FIELD]) return revision;
    previous = hash;
  }
  return -1;
}

/** The offsets each topic has reached now, per partition. */
async function topicEnds(kafka: Kafka): Promise<Map<string, Map<number, bigint>>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, Map<number, bigint>>();
    for (const topic of Object.values(TOPICS))
      ends.set(
        topic,
        new Map(
          (await admin.fetchTopicOffsets(topic)).map(
            (p) => [p.partition, BigInt(p.high)] as [number, bigint],
          ),
        ),
      );
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** Every message written to the topics after `since` (keys, headers and values as text), up to their ends now. */
async function messagesSince(kafka: Kafka, since: Map<string, Map<number, bigint>>): Promise<string[]> {
  const until = await topicEnds(kafka);
  const remaining = new Set<string>();
  for (const [topic, partitions] of until)
    for (const [partition, end] of partitions)
      if (end > (since.get(topic)?.get(partition) ?? 0n)) remaining.add(`${topic}/${partition}`);
  const texts: string[] = [];
  if (remaining.size === 0) return texts;
  const consumer = kafka.consumer({ groupId: `erasure-check-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...until.keys()], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const offset = BigInt(message.offset);
        if (offset < (since.get(topic)?.get(partition) ?? 0n)) return;
        if (offset >= (until.get(topic)?.get(partition) ?? 0n)) return;
        const headers = Object.entries(message.headers ?? {}).map(([k, v]) => `${k}=${String(v)}`);
        texts.push([message.key?.toString('utf8'), ...headers, message.value?.toString('utf8')].join(' '));
        if (offset === (until.get(topic)?.get(partition) ?? 0n) - 1n)
          remaining.delete(`${topic}/${partition}`);
      },
    });
    await waitFor(() => remaining.size === 0, { timeoutMs: 30_000, what: 'the topics read to their ends' });
  } finally {
    await consumer.disconnect();
  }
  return texts;
}

describe('erasure: deleting an account crypto-shreds the person, and every store forgets them', () => {
  let platform: Platform;
  let models: ReadModels;
  const http = () => platform.http;

  const operators: string[] = [];

  beforeAll(async () => {
    platform = await startPlatform({
      logTo,
      gateway: { operators },
      // Long enough that the late delivery below is claimed after the first pass and before the second.
      notifications: { erasureSecondPassMs: 10_000 },
    });
    models = platform.gateway.get<ReadModels>(READ_MODELS);
  }, 120_000);
  afterAll(() => platform?.close());

  it('a deleted user is erased: event store, read models, topics and logs hold no plaintext; the past still names them as erased', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Erasure Inc');
    const tag = randomUUID().slice(0, 6);
    const joined = await platform.join(ada, orgId, `Zelda${tag}`);
    const phone = `+4915${randomInt(10_000_000, 99_999_999)}`;
    await http()
      .patch('/v1/me')
      .set(bearer(joined))
      .send({ phone, name: `Zelda${tag}` })
      .expect(200);
    const zelda: Person = { ...joined, name: `Zelda${tag}`, phone };
    await http()
      .patch(`/v1/orgs/${orgId}/members/${zelda.userId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    await new Promise((r) => setTimeout(r, 20));
    const whileAdmin = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    // Her profile and her invitation are in the read models: the checks below look for real copies.
    expect((await models.users.get(zelda.userId))?.name).toBe(zelda.name);
    const [invitation] = await findAll(models.invitations, { where: { orgId, email: zelda.email } });
    expect(invitation).toBeDefined();

    // The delivery log holds what was sent to her: the verification mail, the invitation, the role change.
    const deliveries = platform.notifications.get<DeliveryLog>(DELIVERY_LOG);
    const everyDelivery = async () => {
      const all = [];
      for (const status of ['pending', 'sent', 'failed', 'dead'] as const)
        all.push(...(await deliveries.list(status, 100_000)));
      return all;
    };
    const deliveriesNaming = async (person: Person) =>
      (await everyDelivery()).filter((record) => plaintextIn(JSON.stringify(record), person).length > 0);
    const deliveriesTo = async (address: string) =>
      (await everyDelivery()).filter((record) => record.message.to === address).length;
    await waitFor(async () => (await deliveriesNaming(zelda)).length >= 2, { what: 'her deliveries' });
    const adasBefore = await deliveriesTo(ada.email);
    expect(adasBefore).toBeGreaterThan(0);

    const kafka = infraEnv.kafkaBrokers
      ? new Kafka({ brokers: infraEnv.kafkaBrokers, logLevel: logLevel.NOTHING })
      : undefined;
    const beforeErasure = kafka ? await topicEnds(kafka) : undefined;
    await http()
      .delete('/v1/me')
      .set(bearer(zelda))
      .send({ password: PASSWORD, confirmOwnedOrganizations: false })
      .expect(200);
    // The delivery log forgets every delivery to her addresses or about her; Ada's stay.
    await waitFor(async () => (await deliveriesNaming(zelda)).length === 0, {
      timeoutMs: 20_000,
      what: 'the delivery log to forget Zelda',
    });
    expect(await deliveriesTo(ada.email)).toBe(adasBefore);
    // A delivery to her that was being claimed as the erasure arrived is forgotten by its second pass.
    const late = await deliveries.claim(
      {
        channel: 'email',
        to: zelda.email,
        subject: 'Late',
        text: 'Late',
        idempotencyKey: randomUUID(),
        about: { userId: zelda.userId },
      },
      Date.now(),
      60_000,
    );
    if (late.kind !== 'claimed') throw new Error(`the late delivery was ${late.kind}`);
    // Recorded after the first pass: only the second one can forget it.
    expect((await deliveries.find(late.record._id))?.message.to).toBe(zelda.email);
    await waitFor(async () => (await deliveriesNaming(zelda)).length === 0, {
      timeoutMs: 20_000,
      what: 'the second pass to forget the late delivery',
    });
    await waitFor(
      async () =>
        !(await models.users.get(zelda.userId)) &&
        !(await models.members.get(`${orgId}/${zelda.userId}`)) &&
        (await models.invitations.get(invitation!._id))?.email !== zelda.email,
      { timeoutMs: 20_000, what: 'the read models to forget Zelda' },
    );

    // The event store: sealed from the first write, so its files never held her in plain text.
    const files = await filesUnder(platform.store.dataDir!);
    expect(files.length).toBeGreaterThan(0);
    const hits: string[] = [];
    for (const file of files) {
      const found = plaintextIn((await readFile(file)).toString('latin1'), zelda);
      if (found.length > 0) hits.push(`${file}: ${found.join(', ')}`);
    }
    expect(hits).toEqual([]);

    // Replay still works, and reads her as erased; the hash chains, over what is stored, still verify.
    const client = platform.gateway.get<EventStoreDBClient>(EVENT_STORE_CLIENT);
    const personalData = platform.gateway.get<PersonalData>(PERSONAL_DATA);
    const protection = new PersonalDataProtection(personalData.vault);
    const userStream = await storedEvents(client, `user-${zelda.userId}`);
    expect(userStream.map((e) => e.type)).toEqual(
      expect.arrayContaining(['UserRegistered', 'ProfileUpdated', 'UserDeleted', 'UserErased']),
    );
    expect(String(userStream[0]!.data.email)).toMatch(/^pd1\./);
    const replayed = await protection.open({ type: 'UserRegistered', data: userStream[0]!.data });
    expect(replayed.data).toMatchObject({
      userId: zelda.userId,
      email: `erased-${zelda.userId}@erased.invalid`,
      name: `erased user ${zelda.userId}`,
    });
    expect(replayed.data).not.toHaveProperty('phone');
    const orgStream = await storedEvents(client, `organization-${orgId}`);
    const invited = orgStream.find((e) => e.type === 'InvitationCreated')!;
    expect(String(invited.data.email)).toMatch(/^pd1\.addr-/);
    expect((await protection.open({ type: 'InvitationCreated', data: invited.data })).data.email).toMatch(
      /^erased-addr-[A-Za-z0-9_-]+@erased\.invalid$/,
    );
    expect(firstBrokenLink(userStream)).toBe(-1);
    // Nor is anything stored in the clear a plain hash of what she asked: a guess at her name could be tested on it.
    const guesses = [undefined, 'set', 'removed'].map((phoneAsked) =>
      commandFingerprint({ type: 'UpdateProfile', name: zelda.name, phone: phoneAsked }),
    );
    const stored = JSON.stringify(userStream.map((e) => e.metadata));
    expect(guesses.filter((guess) => stored.includes(guess))).toEqual([]);
    // The state topic: UserErased, after the deletion's tombstone, is one more tombstone, not a wait for a projection.
    const publisher = platform.gateway.get(StatePublisher);
    const erasedAt = userStream.findIndex((e) => e.type === 'UserErased');
    const envelope = {
      id: randomUUID(),
      type: 'identity.UserErased.v1',
      source: '/identity-platform/identity',
      subject: zelda.userId,
      revision: String(erasedAt),
      time: new Date().toISOString(),
      data: userStream[erasedAt]!.data,
    } as unknown as EventEnvelope;
    publisher.waitMs = 500;
    expect((await publisher.stateAfter(envelope, TOPICS.identityUsers))?.value).toBeNull();
    expect(firstBrokenLink(orgStream)).toBe(-1);

    // The read models, live and rebuilt from the event store after the erasure.
    expect(plaintextIn(JSON.stringify(await everyDocument(models)), zelda)).toEqual([]);
    const erasedInvitation = await models.invitations.get(invitation!._id);
    expect(erasedInvitation?.email).toMatch(/^erased-addr-[A-Za-z0-9_-]+@erased\.invalid$/);
    await platform.gateway.get(ProjectionFeed).rebuild();
    expect(plaintextIn(JSON.stringify(await everyDocument(models)), zelda)).toEqual([]);
    // Erased live as a replay erases: the rebuilt invitation reads the same.
    expect((await models.invitations.get(invitation!._id))?.email).toBe(erasedInvitation?.email);

    // R21: the roster at a past instant still has her, under the name an erased person has.
    const roster = await http()
      .get(`/v1/orgs/${orgId}/audit/roster?at=${whileAdmin}`)
      .set(bearer(ada))
      .expect(200);
    expect(roster.body.members).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: zelda.userId, role: 'admin', name: `erased user ${zelda.userId}` }),
        expect.objectContaining({ userId: ada.userId, role: 'owner', name: 'Ada' }),
      ]),
    );
    const history = await http().get(`/v1/orgs/${orgId}/audit/events?limit=100`).set(bearer(ada)).expect(200);
    expect(history.body.items.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['InvitationCreated', 'MemberRoleChanged']),
    );
    expect(plaintextIn(JSON.stringify(history.body), zelda)).toEqual([]);
    // Named as an erased person is, where she acted or was acted on.
    expect(
      history.body.items.find(
        (e: { type: string; data: { userId?: string } }) =>
          e.type === 'MemberRoleChanged' && e.data.userId === zelda.userId,
      ),
    ).toMatchObject({ actorName: 'Ada', userName: `erased user ${zelda.userId}` });

    // Kafka: nothing written since the erasure names her.
    if (kafka)
      expect((await messagesSince(kafka, beforeErasure!)).flatMap((m) => plaintextIn(m, zelda))).toEqual([]);

    // The logs of all four services, from start to end.
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => plaintextIn(line, zelda).length > 0)).toEqual([]);
  }, 120_000);

  it('an operator erases an invitee who never registered: InviteeErased in each organization, the address forgotten', async () => {
    const opal = await platform.enrollTwoFactor(await platform.signUp('Opal'));
    operators.push(opal.userId);
    const ada = await platform.signUp('Ada');
    const [acme, globex] = [await platform.createOrg(ada, 'Acme'), await platform.createOrg(ada, 'Globex')];
    const address = `invitee-${randomUUID().slice(0, 8)}@example.com`;
    for (const orgId of [acme, globex])
      await http()
        .post(`/v1/orgs/${orgId}/invitations`)
        .set(bearer(ada))
        .send({ email: address, role: 'user' })
        .expect(201);
    await platform.linkFromMail(address, '/invitations#');
    const invited = await findAll(models.invitations, { where: { email: address } });
    expect(invited.map((i) => i.orgId).sort()).toEqual([acme, globex].sort());

    // Only operators; an address with an account is erased by deleting the account.
    const body = { email: address.toUpperCase() };
    const revisions = async () =>
      Promise.all([acme, globex].map(async (orgId) => (await models.organizations.get(orgId))?.revision));
    const before = await revisions();
    await http().post('/v1/operator/personal-data/erase-invitee').send(body).expect(401);
    await http().post('/v1/operator/personal-data/erase-invitee').set(bearer(ada)).send(body).expect(403);
    const refused = await http()
      .post('/v1/operator/personal-data/erase-invitee')
      .set(bearer(opal))
      .send({ email: ada.email })
      .expect(409);
    expect(refused.body).toMatchObject({ code: 'address-has-account' });
    await http()
      .post('/v1/operator/personal-data/erase-invitee')
      .set(bearer(opal))
      .send({ email: address, phone: '+14155552671' })
      .expect(400);
    // The refusals changed nothing: no event in either organization, the invitations pending to the address.
    expect(await revisions()).toEqual(before);
    expect(await findAll(models.invitations, { where: { email: address, status: 'pending' } })).toHaveLength(
      2,
    );

    const erased = await http()
      .post('/v1/operator/personal-data/erase-invitee')
      .set(bearer(opal))
      .send(body)
      .expect(200);
    expect(erased.body.erasedKey).toMatch(/^addr-/);
    expect(
      (erased.body.organizations as { orgId: string; invitationIds: string[] }[])
        .map((o) => [o.orgId, o.invitationIds])
        .sort(),
    ).toEqual(invited.map((i) => [i.orgId, [i.invitationId]]).sort());

    const erasedEmail = `erased-${erased.body.erasedKey}@erased.invalid`;
    await waitFor(
      async () =>
        (await Promise.all(invited.map((i) => models.invitations.get(i._id)))).every(
          (doc) => doc?.email === erasedEmail && doc.status === 'revoked',
        ),
      { timeoutMs: 20_000, what: 'the invitations to read as erased and revoked' },
    );
    for (const orgId of [acme, globex]) {
      const history = await http()
        .get(`/v1/orgs/${orgId}/audit/events?limit=100`)
        .set(bearer(ada))
        .expect(200);
      const types = history.body.items.map((e: { type: string }) => e.type);
      expect(types).toEqual(expect.arrayContaining(['InvitationRevoked', 'InviteeErased']));
      expect(JSON.stringify(history.body)).not.toContain(address);
      // A replay reads the address as erased, and the chain over what is stored still verifies.
      const client = platform.gateway.get<EventStoreDBClient>(EVENT_STORE_CLIENT);
      const stream = await storedEvents(client, `organization-${orgId}`);
      const protection = new PersonalDataProtection(platform.gateway.get<PersonalData>(PERSONAL_DATA).vault);
      for (const event of stream.filter((e) => e.type.startsWith('Invitation')))
        expect(JSON.stringify((await protection.open(event)).data)).not.toContain(address);
      expect(firstBrokenLink(stream)).toBe(-1);
    }
    expect(JSON.stringify(await everyDocument(models))).not.toContain(address);

    // Erasing again changes nothing; the address may be invited afresh, under a new key.
    const again = await http()
      .post('/v1/operator/personal-data/erase-invitee')
      .set(bearer(opal))
      .send(body)
      .expect(200);
    expect(again.body.organizations).toEqual([]);
    await http()
      .post(`/v1/orgs/${acme}/invitations`)
      .set(bearer(ada))
      .send({ email: address, role: 'user' })
      .expect(201);
    const reinvited = await waitFor(
      async () => (await findAll(models.invitations, { where: { orgId: acme, email: address } }))[0],
      { timeoutMs: 10_000, what: 'the new invitation' },
    );
    expect(reinvited.status).toBe('pending');
  }, 120_000);

  it('an invitee of an organization deleted since is erased too: the key destroyed, no copy of the address left', async () => {
    const opal = await platform.enrollTwoFactor(await platform.signUp('Opal'));
    operators.push(opal.userId);
    const ada = await platform.signUp('Ada');
    const [kept, gone] = [await platform.createOrg(ada, 'Kept'), await platform.createOrg(ada, 'Gone')];
    const address = `invitee-${randomUUID().slice(0, 8)}@example.com`;
    for (const orgId of [kept, gone])
      await http()
        .post(`/v1/orgs/${orgId}/invitations`)
        .set(bearer(ada))
        .send({ email: address, role: 'user', send: false })
        .expect(201);
    await http().delete(`/v1/orgs/${gone}`).set(bearer(ada)).expect(204);

    const erased = await http()
      .post('/v1/operator/personal-data/erase-invitee')
      .set(bearer(opal))
      .send({ email: address });
    expect(erased.status).toBe(200);
    // Only the organization that still is records InviteeErased; the deleted one records nothing more.
    expect((erased.body.organizations as { orgId: string }[]).map((o) => o.orgId)).toEqual([kept]);
    // The key is destroyed: the deleted organization's own history reads the address as erased.
    const client = platform.gateway.get<EventStoreDBClient>(EVENT_STORE_CLIENT);
    const protection = new PersonalDataProtection(platform.gateway.get<PersonalData>(PERSONAL_DATA).vault);
    const invitedThere = (await storedEvents(client, `organization-${gone}`)).filter(
      (e) => e.type === 'InvitationCreated',
    );
    expect(invitedThere).toHaveLength(1);
    expect(JSON.stringify((await protection.open(invitedThere[0]!)).data)).not.toContain(address);
    await waitFor(async () => !JSON.stringify(await everyDocument(models)).includes(address), {
      timeoutMs: 20_000,
      what: 'no read-model copy of the address, the deleted organization’s included',
    });
  }, 120_000);

  it('R1, R10: a membership recorded for an account already deleted (its process stopped before it looked again) is taken out once published', async () => {
    const ada = await platform.signUp('Ada');
    const [acme, other] = [await platform.createOrg(ada, 'Acme'), await platform.createOrg(ada, 'Other')];
    const bea = await platform.join(ada, other, 'Bea');
    await http().delete('/v1/me').set(bearer(bea)).send({ password: PASSWORD }).expect(200);
    // Membership has handled the deletion: the one organization she was in let her go.
    await waitFor(async () => (await models.members.get(`${other}/${bea.userId}`)) === null, {
      what: 'Bea out of the other organization',
    });
    // What a command that admitted her, recorded as her deletion landed, leaves when nothing looks again.
    const client = platform.gateway.get<EventStoreDBClient>(EVENT_STORE_CLIENT);
    const stream = `organization-${acme}`;
    let last = -1n;
    for await (const resolved of client.readStream(stream, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: 1,
    }))
      last = resolved.event!.revision;
    const at = new Date().toISOString();
    await client.appendToStream(
      stream,
      jsonEvent({
        type: 'MemberJoined',
        data: { orgId: acme, userId: bea.userId, role: 'user', via: 'invitation', actorId: 'system', at },
        metadata: {
          correlationId: randomUUID(),
          causationId: randomUUID(),
          actor: 'system',
          schemaVersion: 1,
          commandId: randomUUID(),
        },
      }),
      { expectedRevision: last },
    );
    await waitFor(async () => (await models.organizations.get(acme))?.revision === Number(last) + 2, {
      what: 'the late membership and its undoing projected',
    });
    expect(await models.members.get(`${acme}/${bea.userId}`)).toBeNull();
    expect(await models.members.get(`${acme}/${ada.userId}`)).toMatchObject({ role: 'owner' });
  });

  it('an address an account joined by, then changed, is not an invitee to erase: the account is deleted instead', async () => {
    const opal = await platform.enrollTwoFactor(await platform.signUp('Opal'));
    operators.push(opal.userId);
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Acme');
    const joinedAt = `dan-${randomUUID().slice(0, 8)}@example.com`;
    const dan = await platform.join(ada, orgId, 'Dan', {}, joinedAt);
    await platform.changeEmail(dan, `dan-now-${randomUUID().slice(0, 8)}@example.com`);
    const before = (await models.organizations.get(orgId))?.revision;
    const refused = await http()
      .post('/v1/operator/personal-data/erase-invitee')
      .set(bearer(opal))
      .send({ email: joinedAt });
    expect([refused.status, refused.body.code]).toEqual([409, 'address-has-account']);
    expect((await models.organizations.get(orgId))?.revision).toBe(before);
    const [invitation] = await findAll(models.invitations, { where: { orgId, acceptedBy: dan.userId } });
    expect(invitation).toMatchObject({ email: joinedAt, status: 'accepted' });
    // Once the account is deleted, it was the person's to erase, and it is.
    await http().delete('/v1/me').set(bearer(dan)).send({ password: PASSWORD }).expect(200);
    await waitFor(async () => (await models.users.get(dan.userId)) === null);
    await http()
      .post('/v1/operator/personal-data/erase-invitee')
      .set(bearer(opal))
      .send({ email: joinedAt })
      .expect(200);
  });

  it('an erasure retried under its Idempotency-Key gets the first answer, and spares the address invited again since', async () => {
    const opal = await platform.enrollTwoFactor(await platform.signUp('Opal'));
    operators.push(opal.userId);
    const ada = await platform.signUp('Ada');
    const [acme, globex] = [await platform.createOrg(ada, 'Acme'), await platform.createOrg(ada, 'Globex')];
    const address = `invitee-${randomUUID().slice(0, 8)}@example.com`;
    const invite = (orgId: string) =>
      http().post(`/v1/orgs/${orgId}/invitations`).set(bearer(ada)).send({ email: address, role: 'user' });
    await invite(acme).expect(201);
    const key = `erase-${randomUUID()}`;
    const erase = () =>
      http()
        .post('/v1/operator/personal-data/erase-invitee')
        .set(bearer(opal))
        .set('Idempotency-Key', key)
        .send({ email: address });
    const first = await erase().expect(200);
    expect(first.body.organizations.map((o: { orgId: string }) => o.orgId)).toEqual([acme]);
    // The answer waited for the read models (READ_YOUR_WRITES_MS), where a retry finds the request's record.
    expect(await findAll(models.auditEvents, { where: { orgId: acme, type: 'InviteeErased' } })).toHaveLength(
      1,
    );
    expect((await erase().expect(200)).body).toEqual(first.body);

    // Invited again since, elsewhere: the retry is still the first answer, and the new invitation stays.
    const again = await invite(globex).expect(201);
    const globexRevision = (await models.organizations.get(globex))?.revision;
    expect((await erase().expect(200)).body).toEqual(first.body);
    expect((await models.organizations.get(globex))?.revision).toBe(globexRevision);
    const kept = await http()
      .get(`/v1/orgs/${globex}/invitations/${again.body.invitationId}`)
      .set(bearer(ada))
      .expect(200);
    expect([kept.body.email, kept.body.status]).toEqual([address, 'pending']);
  }, 60_000);

  it('a retry after a first attempt that stopped part way finishes it under the key it erased', async () => {
    const opal = await platform.enrollTwoFactor(await platform.signUp('Opal'));
    operators.push(opal.userId);
    const ada = await platform.signUp('Ada');
    const [acme, globex] = [await platform.createOrg(ada, 'Acme'), await platform.createOrg(ada, 'Globex')];
    const address = `invitee-${randomUUID().slice(0, 8)}@example.com`;
    const invitationIn = async (orgId: string) =>
      (
        await http()
          .post(`/v1/orgs/${orgId}/invitations`)
          .set(bearer(ada))
          .send({ email: address, role: 'user' })
          .expect(201)
      ).body.invitationId as string;
    const [inAcme, inGlobex] = [await invitationIn(acme), await invitationIn(globex)];

    // The first attempt, as the gateway makes it, erased in Acme and stopped before Globex.
    const key = `erase-${randomUUID()}`;
    const requester = requesterOf(
      { headers: { 'idempotency-key': key, 'x-correlation-id': randomUUID() } } as never,
      { userId: opal.userId, twoFactor: true },
    );
    const { vault, addresses } = platform.gateway.get<PersonalData>(PERSONAL_DATA);
    const erasedKey = await vault.liveGeneration(addresses.of('email', address));
    await platform.gateway
      .get(WriteServices)
      .asOperator(
        acme,
        { type: 'EraseInvitee', invitationIds: [inAcme], addressKey: erasedKey },
        { ...requester, commandId: `${requester.commandId}/${acme}` },
      );
    await waitFor(async () => (await vault.liveGeneration(addresses.of('email', address))) !== erasedKey, {
      what: 'the key destroyed from the event (key shredder)',
    });
    await waitFor(
      async () =>
        (await findAll(models.auditEvents, { where: { orgId: acme, type: 'InviteeErased' } })).length === 1,
      { what: "Acme's erasure in the read models" },
    );

    const retried = await http()
      .post('/v1/operator/personal-data/erase-invitee')
      .set(bearer(opal))
      .set('Idempotency-Key', key)
      .send({ email: address })
      .expect(200);
    expect(retried.body).toEqual({
      erasedKey,
      organizations: [
        { orgId: acme, invitationIds: [inAcme] },
        { orgId: globex, invitationIds: [inGlobex] },
      ].sort((a, b) => (a.orgId < b.orgId ? -1 : 1)),
    });
    await waitFor(
      async () => {
        const doc = await models.invitations.get(`${globex}/${inGlobex}`);
        return doc?.status === 'revoked' && doc.email === `erased-${erasedKey}@erased.invalid`;
      },
      { what: "Globex's invitation erased under the first attempt's key" },
    );
  }, 60_000);
});
