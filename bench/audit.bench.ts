import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FORWARDS, START, jsonEvent } from '@eventstore/db-client';
import { keyIdOf, parseBundle, publishPublicKey, verifyBundle, type AuditSigningKey } from '@app/audit';
import {
  AggregateStateCache,
  AggregateStore,
  CHAIN_HASH_FIELD,
  chainHashOf,
  connectEventStore,
  metadataFor,
} from '@app/event-store';
import { makeTempDir } from '@app/testing';
import { organizationDecider } from '../apps/membership/src/organizations/organization.decider';
import { type OrganizationState } from '../apps/membership/src/organizations/organization.state';
import { exportBundle } from '../scripts/audit/bundle-export';
import { historyRows, type HistoryFilter } from '../scripts/audit/history';
import { readOrganization } from '../scripts/audit/organization-stream';
import { startServerProcess } from './server-process';
import { line, ms, perSecond, runIfMain, summarize } from './stats';

const EVENTS = 200_000;

/** An organization's chained history as the services write it: joins, role changes, grants, teams. */
function* chainedHistory(orgId: string) {
  let previous: string | undefined;
  const types = ['MemberRoleChanged', 'PermissionsGranted', 'TeamMemberAdded', 'PermissionsRevoked'] as const;
  for (let revision = 0; revision < EVENTS; revision++) {
    const at = new Date(Date.UTC(2026, 0, 1) + revision * 1000).toISOString();
    const user = `u${revision % 5_000}`;
    const type =
      revision === 0 ? 'OrganizationCreated' : revision < 5_000 ? 'MemberJoined' : types[revision % 4]!;
    const data: Record<string, unknown> =
      type === 'OrganizationCreated'
        ? { orgId, actorId: 'u0', at, name: 'Big', ownerId: 'u0', plan: 'standard' }
        : type === 'MemberJoined'
          ? { orgId, actorId: 'u0', at, userId: user, role: 'user', via: 'invitation' }
          : type === 'MemberRoleChanged'
            ? { orgId, actorId: 'u0', at, userId: user, from: 'user', to: 'admin' }
            : type === 'TeamMemberAdded'
              ? { orgId, actorId: 'u0', at, teamId: 't1', userId: user, role: 'member' }
              : { orgId, actorId: 'u0', at, userId: user, permissions: ['members.read'] };
    const metadata: Record<string, unknown> = { ...metadataFor({ commandId: randomUUID(), actor: 'u0' }, 1) };
    previous = chainHashOf(previous, { type, data, metadata, revision: BigInt(revision) });
    yield jsonEvent({ type, data, metadata: { ...metadata, [CHAIN_HASH_FIELD]: previous } });
  }
}

export async function run(): Promise<void> {
  const dir = await makeTempDir('bench-audit');
  const server = await startServerProcess(join(dir, 'store'));
  const client = connectEventStore(server.connectionString);
  const orgId = randomUUID();
  const stream = `organization-${orgId}`;
  let batch: ReturnType<typeof jsonEvent>[] = [];
  for (const event of chainedHistory(orgId)) {
    batch.push(event);
    if (batch.length === 1_000) {
      await client.appendToStream(stream, batch);
      batch = [];
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key: AuditSigningKey = { privateKey, publicKey, keyId: keyIdOf(publicKey) };

  // history vs the client's own read of the same stream, in the same process.
  let t = performance.now();
  let raw = 0;
  for await (const resolved of client.readStream(stream, { direction: FORWARDS, fromRevision: START }))
    if (resolved.event) raw++;
  const rawRate = raw / ((performance.now() - t) / 1000);
  line(`raw read of ${raw.toLocaleString('en-US')} events (client)`, perSecond(rawRate), 'baseline');
  const history = async (filter: HistoryFilter) => {
    const started = performance.now();
    let rows = 0;
    let bytes = 0;
    for await (const row of historyRows(readOrganization(client, orgId, { progress: false }), filter)) {
      bytes += JSON.stringify(row).length + 1;
      rows++;
    }
    return { rows, bytes, rate: EVENTS / ((performance.now() - started) / 1000) };
  };
  const all = await history({});
  line(
    `history --format jsonl (${all.rows.toLocaleString('en-US')} rows, ${(all.bytes / 1e6).toFixed(0)} MB)`,
    `${perSecond(all.rate)} = ${(all.rate / rawRate).toFixed(2)}x raw`,
    '>= 0.8x',
    all.rate / rawRate >= 0.8,
  );
  // With --user the organization is folded along the way (who was in a deleted team).
  const mine = await history({ user: 'u1' });
  line(
    `history --user (${mine.rows.toLocaleString('en-US')} rows), folding the organization`,
    `${perSecond(mine.rate)} = ${(mine.rate / rawRate).toFixed(2)}x raw`,
    '>= 0.8x',
    mine.rate / rawRate >= 0.8,
  );

  // verify of the exported bundle: parse + chain + checkpoint, on this one thread.
  await publishPublicKey(client, key);
  const bundleFile = join(dir, 'bundle.jsonl');
  t = performance.now();
  await exportBundle(client, orgId, bundleFile, key);
  line('export --sign (200k events)', ms(performance.now() - t));
  const text = await readFile(bundleFile, 'utf8');
  const cpuBefore = process.cpuUsage();
  t = performance.now();
  const verdict = verifyBundle(parseBundle(text));
  const elapsed = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cores = (cpu.user + cpu.system) / 1e6 / elapsed;
  line(
    `verify ${(text.length / 1e6).toFixed(0)} MB bundle (intact: ${verdict.intact})`,
    `${perSecond(EVENTS / elapsed)} on ${cores.toFixed(2)} cores = ${perSecond(EVENTS / elapsed / Math.max(cores, 1))}/core`,
    '>= 100,000/s per core',
    EVENTS / elapsed / Math.max(cores, 1) >= 100_000,
  );

  // The chain's share of a membership command: commands on an organization as the service runs them (state
  // cached), and the hashing of the events they appended, timed on its own in the same process.
  const org = randomUUID();
  const orgStream = `organization-${org}`;
  const store = new AggregateStore(client);
  const cached = { decider: organizationDecider(), cache: new AggregateStateCache<OrganizationState>() };
  const at = () => new Date().toISOString();
  await store.handle(
    orgStream,
    cached,
    { type: 'CreateOrganization', orgId: org, name: 'Acme', actorId: 'u0', at: at() },
    { commandId: randomUUID(), actor: 'u0' },
  );
  const samples: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    t = performance.now();
    await store.handle(
      orgStream,
      cached,
      { type: 'UpdateSettings', name: `Acme ${i}`, actorId: 'u0', at: at() },
      { commandId: randomUUID(), actor: 'u0' },
    );
    samples.push(performance.now() - t);
  }
  const commands = summarize(samples);
  const appended: { type: string; data: unknown; metadata: Record<string, unknown>; revision: bigint }[] = [];
  for await (const resolved of client.readStream(orgStream, { direction: FORWARDS, fromRevision: START }))
    appended.push({
      type: resolved.event!.type,
      data: resolved.event!.data,
      metadata: resolved.event!.metadata as Record<string, unknown>,
      revision: resolved.event!.revision,
    });
  const hashing: number[] = [];
  let previous: string | undefined;
  for (const event of appended) {
    t = performance.now();
    previous = chainHashOf(previous, event);
    hashing.push(performance.now() - t);
  }
  const hashed = summarize(hashing);
  const perCommand = (hashed.mean * appended.length) / Math.max(1, samples.length);
  line(`membership command p50 (${appended.length} events appended)`, ms(commands.p50));
  line(
    'chain hashing per command',
    `${ms(perCommand)} = ${((perCommand / commands.p50) * 100).toFixed(2)}% of the p50`,
    '<= 5%',
    perCommand / commands.p50 <= 0.05,
  );
  await client.dispose();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

runIfMain(module, run);
