import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '@app/contracts';
import {
  MESSAGE_BUS,
  eventMessage,
  type MessageBus,
  type ReceivedMessage,
  type Subscription,
} from '@app/messaging';
import { infraEnv, makeTempDir, organizationEvent, waitFor } from '@app/testing';
import { READ_MODELS } from '../apps/gateway/src/gateway.tokens';
import { type ReadModels } from '../apps/gateway/src/read-models/read-models';
import { PASSWORD, bearer, startPlatform, type Platform } from './platform.testing';

interface State {
  readonly revision: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/**
 * The bootstrap recipe of docs/contracts.md, as a subscriber follows it: read a state topic from the beginning, keep
 * the last message per key, drop a key on a tombstone. Built from nothing but the topic's messages.
 */
async function bootstrapFrom(bus: MessageBus, topic: string) {
  const states = new Map<string, State>();
  const subscription: Subscription = await bus.subscribe({
    groupId: `bootstrap-${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
    handler: async (message: ReceivedMessage) => {
      if (message.value.length === 0) states.delete(message.key);
      else
        states.set(message.key, {
          revision: Number(message.headers.ce_revision),
          type: message.headers.ce_type!,
          data: JSON.parse(message.value.toString('utf8')) as Record<string, unknown>,
        });
    },
  });
  return { states, close: () => subscription.close() };
}

/**
 * What another team has: the contracts package (schemas and types), built as it is published. `check` validates an
 * event's data with the package's schema for its type; `refused` lists the types that failed.
 */
async function packagedSchemas() {
  const packaged = join(await makeTempDir('subscriber-contracts'), 'package');
  await promisify(execFile)('npm', ['run', '-s', 'contracts:package', '--', packaged], {
    cwd: join(__dirname, '..'),
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { schemas } = require(join(packaged, 'index.js')) as { schemas: Record<string, object> };
  const ajv = addFormats(new Ajv({ strict: true }));
  const refused: string[] = [];
  const check = (type: string, data: unknown) => {
    if (!schemas[type] || !ajv.validate(schemas[type], data)) refused.push(type);
  };
  return { check, refused };
}

describe('state topics: a new subscriber bootstraps from them', () => {
  let platform: Platform;
  let models: ReadModels;
  const http = () => platform.http;

  beforeAll(async () => {
    platform = await startPlatform();
    models = platform.gateway.get<ReadModels>(READ_MODELS);
  }, 120_000);
  afterAll(() => platform?.close());

  it('a consumer built only from the state topics equals the gateway read model; deletions are tombstones', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada);
    const bob = await platform.join(ada, orgId, 'Bob');
    const teamId = await platform.teamManagedBy(ada, orgId, bob, 'Night shift');
    await http()
      .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ role: 'admin' })
      .expect(200);
    const carol = await platform.signUp('Carol');
    const goneOrg = await platform.createOrg(carol, 'Short-lived');
    await http()
      .delete('/v1/me')
      .set(bearer(carol))
      .send({ password: PASSWORD, confirmOwnedOrganizations: true })
      .expect(200);

    const bus = platform.gateway.get<MessageBus>(MESSAGE_BUS);
    const users = await bootstrapFrom(bus, TOPICS.identityUserState);
    const orgs = await bootstrapFrom(bus, TOPICS.membershipOrganizationState);
    try {
      const org = (await models.organizations.get(orgId))!;
      const bobDoc = (await models.users.get(bob.userId))!;
      await waitFor(
        () =>
          orgs.states.get(orgId)?.revision === org.revision &&
          users.states.get(bob.userId)?.revision === bobDoc.revision &&
          !users.states.has(carol.userId) &&
          !orgs.states.has(goneOrg),
        { timeoutMs: 60_000, what: 'the state topics to reach the read models' },
      );

      for (const user of [ada, bob]) {
        // The read model's own history of names (for rosters at past instants, R21) is no part of the state topic, nor
        // the revision its name and address come from (the gateway's bookkeeping).
        const {
          _id,
          revision,
          names: _names,
          profileRevision: _profileRevision,
          ...profile
        } = (await models.users.get(user.userId))!;
        expect(users.states.get(user.userId)).toEqual({
          revision,
          type: 'identity.UserState.v1',
          data: profile,
        });
      }
      const { _id, revision, ...settings } = org;
      const state = orgs.states.get(orgId)!;
      expect({ revision: state.revision, type: state.type }).toEqual({
        revision,
        type: 'membership.OrganizationState.v1',
      });
      const { members, teams, ...orgFields } = state.data as {
        members: Record<string, unknown>[];
        teams: Record<string, unknown>[];
      };
      expect(orgFields).toEqual(settings);
      const memberDocs = (await models.members.find({ where: { orgId } }, { limit: 100 })).items;
      expect(members).toEqual(
        memberDocs
          .map(
            ({
              _id,
              revision: _r,
              orgId: _o,
              name: _n,
              email: _e,
              orgName: _on,
              profileRevision: _pr,
              ...m
            }) => m,
          )
          .sort((a, b) => a.userId.localeCompare(b.userId)),
      );
      expect(members.find((m) => m.userId === bob.userId)).toMatchObject({
        role: 'admin',
        teamIds: [teamId],
        managedTeamIds: [teamId],
      });
      const teamDocs = (await models.teams.find({ where: { orgId } }, { limit: 100 })).items;
      expect(teams).toEqual(teamDocs.map(({ _id, revision: _r, orgId: _o, ...t }) => t));
      // No contact data of members in the organization's state: profiles are the users' own.
      expect(JSON.stringify(state.data)).not.toContain(bob.email);
    } finally {
      await Promise.all([users.close(), orgs.close()]);
    }
  }, 90_000);

  it('a change after the bootstrap reaches the state topic with the new revision', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada);
    const orgs = await bootstrapFrom(
      platform.gateway.get<MessageBus>(MESSAGE_BUS),
      TOPICS.membershipOrganizationState,
    );
    try {
      await waitFor(() => orgs.states.has(orgId), { timeoutMs: 60_000, what: 'the organization state' });
      const before = orgs.states.get(orgId)!.revision;
      await http().patch(`/v1/orgs/${orgId}`).set(bearer(ada)).send({ name: 'Renamed' }).expect(200);
      await waitFor(() => orgs.states.get(orgId)!.revision > before, {
        timeoutMs: 60_000,
        what: 'the rename',
      });
      expect(orgs.states.get(orgId)!.data).toMatchObject({ name: 'Renamed' });
    } finally {
      await orgs.close();
    }
  }, 90_000);

  it('a subscriber written from the published package bootstraps from the state topic, then follows the change topic', async () => {
    const { check, refused } = await packagedSchemas();

    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada);
    const bob = await platform.join(ada, orgId, 'Bob');
    const bus = platform.gateway.get<MessageBus>(MESSAGE_BUS);
    const bootstrap = await bootstrapFrom(bus, TOPICS.membershipOrganizationState);
    const modelRevision = async () => (await models.organizations.get(orgId))!.revision;
    const atBootstrap = await modelRevision();
    await waitFor(() => bootstrap.states.get(orgId)?.revision === atBootstrap, {
      timeoutMs: 60_000,
      what: 'the state at the current revision',
    });
    await bootstrap.close();
    const state = bootstrap.states.get(orgId)!;
    check(state.type, state.data);
    const local = {
      revision: state.revision,
      roles: new Map(
        (state.data.members as { userId: string; role: string }[]).map((m) => [m.userId, m.role]),
      ),
    };

    const follower = await bus.subscribe({
      groupId: `follower-${randomUUID()}`,
      topics: [TOPICS.membershipOrganizations],
      fromBeginning: true,
      handler: async (message) => {
        if (message.key !== orgId) return;
        const type = message.headers.ce_type!;
        const data = JSON.parse(message.value.toString('utf8')) as { userId: string; to: string };
        check(type, data);
        const revision = Number(message.headers.ce_revision);
        if (revision <= local.revision) return; // already in the state it bootstrapped from
        if (type === 'membership.MemberRoleChanged.v1') local.roles.set(data.userId, data.to);
        local.revision = revision;
      },
    });
    try {
      await http()
        .patch(`/v1/orgs/${orgId}/members/${bob.userId}`)
        .set(bearer(ada))
        .send({ role: 'admin' })
        .expect(200);
      const now = await modelRevision();
      expect(now).toBeGreaterThan(atBootstrap);
      await waitFor(() => local.revision === now, {
        timeoutMs: 60_000,
        what: 'the follower at the new revision',
      });
      expect(Object.fromEntries(local.roles)).toEqual({ [ada.userId]: 'owner', [bob.userId]: 'admin' });
      expect(refused).toEqual([]);
    } finally {
      await follower.close();
    }
  }, 90_000);

  it('a subscriber written from the package keeps a user directory and erases a person on UserErased', async () => {
    const { check, refused } = await packagedSchemas();
    const cy = await platform.signUp('Cy');
    const dee = await platform.signUp('Dee');
    const bus = platform.gateway.get<MessageBus>(MESSAGE_BUS);
    const bootstrap = await bootstrapFrom(bus, TOPICS.identityUserState);
    await waitFor(() => bootstrap.states.has(cy.userId) && bootstrap.states.has(dee.userId), {
      timeoutMs: 60_000,
      what: 'both users in the state topic',
    });
    await bootstrap.close();
    // The subscriber's own store: what it keeps about people, from the state it bootstrapped from.
    const directory = new Map<string, { email: string; name: string }>();
    for (const [userId, state] of bootstrap.states) {
      check(state.type, state.data);
      directory.set(userId, { email: String(state.data.email), name: String(state.data.name) });
    }
    const erasures: string[] = [];
    const follower = await bus.subscribe({
      groupId: `directory-${randomUUID()}`,
      topics: [TOPICS.identityUsers],
      fromBeginning: true,
      handler: async (message) => {
        if (message.key !== cy.userId && message.key !== dee.userId) return;
        const type = message.headers.ce_type!;
        const data = JSON.parse(message.value.toString('utf8')) as { userId: string };
        check(type, data);
        // What the contract asks of a subscriber on UserErased: forget the person, keep nothing but the id.
        if (type === 'identity.UserErased.v1') {
          directory.delete(data.userId);
          erasures.push(data.userId);
        }
      },
    });
    try {
      await http()
        .delete('/v1/me')
        .set(bearer(dee))
        .send({ password: PASSWORD, confirmOwnedOrganizations: false })
        .expect(200);
      await waitFor(() => erasures.includes(dee.userId), { timeoutMs: 60_000, what: "Dee's erasure" });
      expect([...directory.keys()]).toContain(cy.userId);
      expect(directory.has(dee.userId)).toBe(false);
      expect(JSON.stringify([...directory.values()])).not.toContain(dee.email);
      expect(refused).toEqual([]);
    } finally {
      await follower.close();
    }
  }, 90_000);

  it("another deployment's events on a shared topic hold nothing up: they name aggregates this one does not have", async () => {
    const bus = platform.gateway.get<MessageBus>(MESSAGE_BUS);
    // Hand-made, marked as a test's: organizations no event store of this platform holds, one per partition and more.
    await bus.publish(
      Array.from({ length: 12 }, (_, i) =>
        eventMessage(
          TOPICS.membershipOrganizations,
          organizationEvent(
            'TeamRenamed',
            `elsewhere-${randomUUID()}`,
            { teamId: 't', name: 'Elsewhere' },
            { revision: String(i + 3), actor: 'system', test: 'state-topics' },
          ),
        ),
      ),
    );
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'After the strangers');
    const orgs = await bootstrapFrom(bus, TOPICS.membershipOrganizationState);
    try {
      await waitFor(() => orgs.states.has(orgId), {
        timeoutMs: 10_000,
        what: "this platform's organization state",
      });
      expect([...orgs.states.keys()].filter((key) => key.startsWith('elsewhere-'))).toEqual([]);
    } finally {
      await orgs.close();
    }
  }, 60_000);

  (infraEnv.kafkaBrokers ? it : it.skip)('on Kafka the state topics are compacted', async () => {
    const admin = new Kafka({ brokers: infraEnv.kafkaBrokers!, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [TOPICS.identityUserState, TOPICS.membershipOrganizationState].map((name) => ({
          type: 2, // TOPIC
          name,
          configNames: [
            'cleanup.policy',
            'max.message.bytes',
            'max.compaction.lag.ms',
            'delete.retention.ms',
          ],
        })),
      });
      const settings = described.resources.map((r) =>
        Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
      );
      const compacted = {
        'cleanup.policy': 'compact',
        'max.message.bytes': String(16 * 1024 * 1024),
        'max.compaction.lag.ms': String(24 * 3_600_000),
        'delete.retention.ms': String(7 * 24 * 3_600_000),
      };
      expect(settings).toEqual([compacted, compacted]);
    } finally {
      await admin.disconnect();
    }
  });

  (infraEnv.kafkaBrokers ? it : it.skip)(
    'on Kafka a deletion is a real tombstone: a plain kafkajs consumer reads the key last with no value',
    async () => {
      const carol = await platform.signUp('Carol');
      await http()
        .delete('/v1/me')
        .set(bearer(carol))
        .send({ password: PASSWORD, confirmOwnedOrganizations: true })
        .expect(200);
      const consumer = new Kafka({ brokers: infraEnv.kafkaBrokers!, logLevel: logLevel.NOTHING }).consumer({
        groupId: `tombstone-reader-${randomUUID()}`,
      });
      const values: (Buffer | null)[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [TOPICS.identityUserState], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            if (message.key?.toString() === carol.userId) values.push(message.value);
          },
        });
        await waitFor(() => values.at(-1) === null, { timeoutMs: 60_000, what: "Carol's tombstone" });
        expect(values.length).toBeGreaterThan(1); // her state came first
        expect(JSON.parse(values[0]!.toString('utf8'))).toMatchObject({ userId: carol.userId });
      } finally {
        await consumer.disconnect();
      }
    },
    90_000,
  );
});
