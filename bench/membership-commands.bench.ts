import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { TOPICS } from '@app/contracts';
import { MESSAGE_BUS, RequestReplyClient, RequestSigner, type MessageBus } from '@app/messaging';
import { messagesHandled } from '@app/metrics';
import { loadRequestSigningKeys, readInfrastructureConfig } from '@app/platform';
import { makeTempDir, waitFor } from '@app/testing';
import { type CommandReply } from '../apps/membership/src/commands/command-reply';
import { trusted } from '../apps/membership/src/commands/membership-request';
import { OrganizationCommandHandler } from '../apps/membership/src/commands/organization-command-handler';
import { createMembershipApp } from '../apps/membership/src/membership.app';
import { startServerProcess } from './server-process';
import { line, ms, perSecond, runIfMain, summarize } from './stats';

const ORGS = 100;
const MEMBERS = 10;
const COMMANDS = 3_000;
const CONCURRENCY = 16;

/** A mix of membership commands on 100 organizations through the bus, as the gateway sends them. */
async function measure(
  infra: Parameters<typeof createMembershipApp>[0],
): Promise<{ rate: number; p50: number; p99: number; cpuPerCommand: number }> {
  const app = await createMembershipApp(infra, { quiet: true });
  await app.init();
  const client = await RequestReplyClient.start(app.get<MessageBus>(MESSAGE_BUS), 'bench');
  const gateway = new RequestSigner(
    loadRequestSigningKeys({ dataDir: infra.dataDir, sender: 'gateway' }),
    'gateway',
  );
  const send = (orgId: string, actorId: string, command: Record<string, unknown>) =>
    client.request<CommandReply>(
      TOPICS.membershipCommands,
      orgId,
      gateway.sign({ commandId: randomUUID(), orgId, actorId, command }),
      { timeoutMs: 60_000 },
    );
  const handler = app.get(OrganizationCommandHandler);

  const orgs = Array.from({ length: ORGS }, () => randomUUID());
  await Promise.all(
    orgs.map(async (orgId) => {
      await send(orgId, 'owner', { type: 'CreateOrganization', name: 'Bench' });
      for (let m = 0; m < MEMBERS; m++)
        await handler.execute(
          trusted({
            commandId: randomUUID(),
            orgId,
            actorId: 'system',
            command: { type: 'AdmitMember', userId: `m${m}`, role: 'user', via: 'invitation' },
          }),
        );
      await send(orgId, 'owner', { type: 'CreateTeam', teamId: 't1', name: 'Team' });
    }),
  );
  // What the setup set off (the relay, and the reactions to 1,100 joins, each reading the joiner's account) is done
  // before the clock starts, not counted against the commands measured.
  await untilIdle();
  const mix = (i: number): [string, Record<string, unknown>] => {
    const member = `m${i % MEMBERS}`;
    switch (i % 4) {
      case 0:
        return ['owner', { type: 'ChangeMemberRole', userId: member, role: i % 8 === 0 ? 'admin' : 'user' }];
      case 1:
        return ['owner', { type: 'SetSchedulable', userId: member, schedulable: i % 8 === 1 }];
      case 2:
        return [
          'owner',
          { type: 'AddTeamMember', teamId: 't1', userId: member, role: i % 8 === 2 ? 'manager' : 'member' },
        ];
      default:
        return [
          'owner',
          { type: 'GrantPermissions', userId: member, permissions: ['members.read', 'members.invite'] },
        ];
    }
  };
  const samples: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < COMMANDS) {
        const i = next++;
        const [actor, command] = mix(i);
        const t = performance.now();
        const reply = await send(orgs[i % ORGS]!, actor, command);
        samples.push(performance.now() - t);
        if (!reply.ok) failures++;
      }
    }),
  );
  const rate = COMMANDS / ((performance.now() - started) / 1000);
  const used = process.cpuUsage(cpu);
  // The service and its requester share this process (and its thread): what all of it costs a command.
  const cpuPerCommand = (used.user + used.system) / COMMANDS;
  if (failures > 0) throw new Error(`${failures} commands refused: the mix no longer fits the rules`);
  await client.close();
  await app.close();
  return { rate, cpuPerCommand, ...summarize(samples) };
}

/** Once no consumer in this process has handled a message for half a second (failing after a minute of work). */
async function untilIdle(): Promise<void> {
  const handled = async () => (await messagesHandled.get()).values.reduce((sum, v) => sum + v.value, 0);
  // waitFor probes at once: the first probe only takes the count, each later one compares with the one before.
  let before: number | undefined;
  await waitFor(
    async () => {
      const now = await handled();
      const idle = now === before;
      before = now;
      return idle;
    },
    { intervalMs: 500, timeoutMs: 60_000, what: "the setup's consumers to be idle" },
  );
}

/**
 * The in-process bus, then Kafka handling one message per partition at a time (how consumers worked before per-key
 * lanes) and Kafka with the default per-key concurrency, in one run on one machine.
 */
export async function run(): Promise<void> {
  const dir = await makeTempDir('bench-membership-commands');
  const server = await startServerProcess(join(dir, 'store'));
  const base = readInfrastructureConfig();
  const { kafkaBrokers: _kafka, ...inProcess } = base;
  const runs: [string, Parameters<typeof createMembershipApp>[0]][] = [
    ['in-process bus', { ...inProcess, eventStoreConnectionString: server.connectionString }],
  ];
  if (base.kafkaBrokers)
    runs.push(
      [
        'Kafka, one message per partition at a time',
        { ...base, eventStoreConnectionString: server.connectionString, keyConcurrency: 1 },
      ],
      [
        `Kafka, ${base.keyConcurrency} keys per partition at a time`,
        { ...base, eventStoreConnectionString: server.connectionString },
      ],
    );
  const results: { rate: number }[] = [];
  for (const [name, infra] of runs) {
    const r = await measure(infra);
    results.push(r);
    line(
      `membership commands, ${CONCURRENCY} in flight: ${name}`,
      `${perSecond(r.rate)}, p50 ${ms(r.p50)} / p99 ${ms(r.p99)}, ${r.cpuPerCommand.toFixed(0)} µs of CPU a command`,
    );
  }
  if (results.length === 3) {
    const [, one, keyed] = results as [unknown, { rate: number }, { rate: number; p99: number }];
    line(
      'per-key lanes / one at a time, on Kafka',
      `${(keyed.rate / one.rate).toFixed(2)}x`,
      '>= 3x',
      keyed.rate >= 3 * one.rate,
    );
  }
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}

runIfMain(module, run);
