import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { jsonEvent } from '@eventstore/db-client';
import { type DomainEvent } from '@app/domain';
import {
  AggregateStateCache,
  AggregateStore,
  connectEventStore,
  noProtection,
  type CommandContext,
  type StoredDataProtection,
} from '@app/event-store';
import { defaultCatalog } from '@app/permissions';
import {
  FilePersonalDataKeyStore,
  PersonalDataProtection,
  PersonalDataVault,
  acquirePersonalData,
  releasePersonalData,
  type PersonalData,
} from '@app/personal-data';
import { InMemoryReadStore } from '@app/read-store';
import { makeTempDir } from '@app/testing';
import { readModelsOf } from '../apps/gateway/src/read-models/read-models';
import { projectFromEventStore } from '../apps/gateway/src/read-models/rebuild';
import { directTarget } from '../apps/gateway/src/read-models/staged-read-models';
import { sealUserPersonalFields } from '../apps/identity/src/users/personal-fields';
import { userDecider } from '../apps/identity/src/users/user.decider';
import { type UserCommand } from '../apps/identity/src/users/user.commands';
import { organizationDecider } from '../apps/membership/src/organizations/organization.decider';
import { type OrganizationCommand } from '../apps/membership/src/organizations/organization.commands';
import { inviteeSealing } from '../apps/membership/src/organizations/personal-fields';
import { type OrganizationState } from '../apps/membership/src/organizations/organization.state';
import { startServerProcess } from './server-process';
import { line, ms, perSecond, runIfMain, summarize } from './stats';

const ORGS = 50;
const COMMANDS = 2_000;
const CONCURRENCY = 16;
const USERS = 5_000;
const MEMBERS_PER_ORG = 25;

/**
 * What crypto-shredding costs (issue targets: ≤ 10% on the membership command p50, ≤ 15% on the rebuild rate): the
 * same work with the services' protection and without it, on one embedded event store, in this process.
 */
export async function run(): Promise<void> {
  const dir = await makeTempDir('bench-personal-data');
  const server = await startServerProcess(join(dir, 'store'));
  const client = connectEventStore(server.connectionString);
  const personalData = await acquirePersonalData({ dataDir: dir });
  try {
    const membership = (protect: boolean) =>
      new AggregateStore(
        client,
        protect
          ? {
              protection: new PersonalDataProtection(
                personalData.vault,
                inviteeSealing(personalData.addresses),
              ),
            }
          : {},
      );
    // Warm-up, then each variant twice, once first and once second, so neither gets the warmer machine.
    await commandLatencies(membership(false), 200);
    const runs = { plain: [] as number[][], sealed: [] as number[][] };
    for (const order of [
      ['plain', 'sealed'],
      ['sealed', 'plain'],
    ] as const)
      for (const variant of order)
        runs[variant].push(await commandLatencies(membership(variant === 'sealed'), COMMANDS));
    const plain = summarize(runs.plain.flat());
    const sealed = summarize(runs.sealed.flat());
    line(
      `membership commands, half of them invitations, ${CONCURRENCY} in flight: p50 without sealing`,
      ms(plain.p50),
    );
    line(
      '  with invitee addresses sealed',
      `${ms(sealed.p50)} (${(sealed.p50 / plain.p50).toFixed(2)}×, p99 ${ms(sealed.p99)} vs ${ms(plain.p99)})`,
      '≤ 1.10×',
      sealed.p50 <= plain.p50 * 1.1,
    );

    await rebuildRates(personalData);
  } finally {
    await releasePersonalData(personalData);
    await client.dispose();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Per-command latency of a mix on fresh organizations: invitations (sealed) and role changes (nothing to seal). */
async function commandLatencies(store: AggregateStore, commands: number): Promise<number[]> {
  const cache = new AggregateStateCache<OrganizationState>(1_000);
  const aggregate = { decider: organizationDecider(defaultCatalog), cache };
  const at = new Date().toISOString();
  const orgs = Array.from({ length: ORGS }, () => randomUUID());
  const context = (): CommandContext => ({ commandId: randomUUID(), actor: 'owner' });
  const handle = (orgId: string, command: OrganizationCommand) =>
    store.handle(`organization-${orgId}`, aggregate, command, context());
  await Promise.all(
    orgs.map(async (orgId) => {
      await handle(orgId, { type: 'CreateOrganization', orgId, name: 'Bench', actorId: 'owner', at });
      await handle(orgId, {
        type: 'AdmitMember',
        userId: 'm1',
        role: 'user',
        via: 'invitation',
        actorId: 'system',
        at,
      });
    }),
  );
  const samples: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < commands) {
        const i = next++;
        const orgId = orgs[i % ORGS]!;
        const command: OrganizationCommand =
          i % 2 === 0
            ? {
                type: 'InviteMember',
                invitationId: randomUUID(),
                email: `invitee-${i}@example.com`,
                role: 'user',
                teamIds: [],
                permissions: [],
                send: true,
                expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
                actorId: 'owner',
                at,
              }
            : {
                type: 'ChangeMemberRole',
                userId: 'm1',
                role: i % 4 === 1 ? 'admin' : 'user',
                actorId: 'owner',
                at,
              };
        const started = performance.now();
        await handle(orgId, command);
        samples.push(performance.now() - started);
      }
    }),
  );
  return samples;
}

/**
 * The gateway's projection from scratch over users (registered, e-mail verified, profile updated) and the organizations
 * they joined by invitation, written once with their personal fields sealed and once as they are, each into an event store of its own; then projected three times each,
 * alternating, every time with a vault that has no key in memory yet, as a rebuild in a fresh process has.
 */
async function rebuildRates(personalData: PersonalData): Promise<void> {
  const dir = await makeTempDir('bench-rebuild');
  const masterKey = randomBytes(32);
  const keyStore = new FilePersonalDataKeyStore(join(dir, 'keys'), masterKey);
  const coldVault = (): PersonalData => ({
    vault: new PersonalDataVault(keyStore),
    addresses: personalData.addresses,
    pseudonyms: personalData.pseudonyms,
  });
  const stores = await Promise.all(
    (['plain', 'sealed'] as const).map(async (variant) => {
      const server = await startServerProcess(join(dir, variant));
      const client = connectEventStore(server.connectionString);
      const protection =
        variant === 'sealed'
          ? new PersonalDataProtection(coldVault().vault, {
              events: [sealUserPersonalFields, ...(inviteeSealing(personalData.addresses).events ?? [])],
            })
          : noProtection;
      const emails = await registerUsers(new AggregateStore(client, { protection }));
      const events = emails.length * 3 + (await appendOrganizations(client, protection, emails));
      return { variant, server, client, events };
    }),
  );
  const rates: Record<'plain' | 'sealed', number[]> = { plain: [], sealed: [] };
  try {
    for (let round = 0; round < 3; round++)
      for (const { variant, client, events } of round % 2 === 0 ? stores : [...stores].reverse()) {
        const started = performance.now();
        const projected = await projectFromEventStore(
          client,
          directTarget(readModelsOf(new InMemoryReadStore())),
          defaultCatalog,
          coldVault(),
        );
        if (projected.events !== events) throw new Error(`projected ${projected.events} of ${events}`);
        rates[variant].push(projected.events / ((performance.now() - started) / 1000));
      }
  } finally {
    for (const { client, server } of stores) {
      await client.dispose();
      await server.stop();
    }
    await rm(dir, { recursive: true, force: true });
  }
  const best = (values: number[]) => Math.max(...values);
  line(
    `rebuild of ${USERS.toLocaleString('en-US')} users and their memberships (best of 3), stored as they are`,
    perSecond(best(rates.plain)),
  );
  line(
    '  stored sealed (each key fetched once, each field opened)',
    `${perSecond(best(rates.sealed))} (${(best(rates.sealed) / best(rates.plain)).toFixed(2)}×)`,
    '≥ 0.85×',
    best(rates.sealed) >= best(rates.plain) * 0.85,
  );
}

/** Registers USERS users (registered, e-mail verified, profile updated); their addresses. */
async function registerUsers(store: AggregateStore): Promise<string[]> {
  const at = new Date().toISOString();
  const emails: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < USERS) {
        const i = next++;
        const userId = `user-${i}`;
        const send = (command: UserCommand) =>
          store.handle(`user-${userId}`, { decider: userDecider }, command, {
            commandId: randomUUID(),
            actor: userId,
          });
        const stamp = { userId, actorId: userId, at };
        const email = `user-${i}@example.com`;
        await send({ ...stamp, type: 'RegisterUser', name: `User ${i}`, email, phone: '+14155552671' });
        await send({ ...stamp, type: 'VerifyEmail', email });
        await send({ ...stamp, type: 'UpdateProfile', name: `User ${i} Renamed` });
        emails[i] = email;
      }
    }),
  );
  return emails;
}

/**
 * Every user in an organization of MEMBERS_PER_ORG, joined by invitation (created and sent to their address, sealed
 * with the address's key), added to a team, every fourth made Admin: the events each organization holds.
 */
async function appendOrganizations(
  client: ReturnType<typeof connectEventStore>,
  protection: StoredDataProtection,
  emails: readonly string[],
): Promise<number> {
  const at = new Date().toISOString();
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  let total = 0;
  for (let first = 0; first < emails.length; first += MEMBERS_PER_ORG) {
    const orgId = randomUUID();
    const stamp = { orgId, actorId: 'owner', at };
    const events: DomainEvent[] = [
      { type: 'OrganizationCreated', data: { ...stamp, name: 'Org', ownerId: 'owner', plan: 'standard' } },
      { type: 'TeamCreated', data: { ...stamp, teamId: 't1', name: 'Team' } },
    ];
    for (let i = first; i < Math.min(first + MEMBERS_PER_ORG, emails.length); i++) {
      const userId = `user-${i}`;
      const invitationId = randomUUID();
      const email = emails[i]!;
      events.push(
        {
          type: 'InvitationCreated',
          data: { ...stamp, invitationId, email, role: 'user', teamIds: [], permissions: [], expiresAt },
        },
        { type: 'InvitationSent', data: { ...stamp, invitationId, sendSequence: 1, expiresAt, email } },
        { type: 'InvitationAccepted', data: { ...stamp, invitationId, userId } },
        { type: 'MemberJoined', data: { ...stamp, userId, role: 'user', via: 'invitation' } },
        { type: 'TeamMemberAdded', data: { ...stamp, teamId: 't1', userId, role: 'member' } },
      );
      if (i % 4 === 0)
        events.push({ type: 'MemberRoleChanged', data: { ...stamp, userId, from: 'user', to: 'admin' } });
    }
    const stream = `organization-${orgId}`;
    const stored = await Promise.all(events.map((event) => protection.seal(stream, event)));
    await client.appendToStream(
      stream,
      stored.map((event) => jsonEvent({ type: event.type, data: event.data as never, metadata: METADATA })),
    );
    total += events.length;
  }
  return total;
}

const METADATA = {
  correlationId: 'bench',
  causationId: 'bench',
  actor: 'owner',
  schemaVersion: 1,
  commandId: 'bench',
};

runIfMain(module, run);
