import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TOPICS } from '@app/contracts';
import { MESSAGE_BUS, RequestReplyClient, RequestSigner, type MessageBus } from '@app/messaging';
import { loadRequestSigningKeys, readInfrastructureConfig } from '@app/platform';
import { makeTempDir } from '@app/testing';
import { type IdentityReply } from '../apps/identity/src/commands/identity-command-handler';
import { readIdentityConfig } from '../apps/identity/src/config/identity.config';
import { PasswordHasher } from '../apps/identity/src/credentials/password-hasher';
import { createIdentityApp } from '../apps/identity/src/identity.app';
import { startServerProcess } from './server-process';
import { line, ms, pacedLatencies, perSecond, runIfMain, summarize } from './stats';

const PASSWORD = 'correct horse battery staple';
const USERS = 20;

/**
 * The identity service end to end, as the gateway uses it: requests over the in-process bus, users on the embedded
 * event store (its own process), default argon2id parameters. Baseline: argon2id verifications in this process.
 */
export async function run(): Promise<void> {
  const hasher = new PasswordHasher();
  const hash = await hasher.hash(PASSWORD);
  const hashSamples: number[] = [];
  const hashStart = performance.now();
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    await hasher.verify(hash, PASSWORD);
    hashSamples.push(performance.now() - t);
  }
  const verifyRate = 40 / ((performance.now() - hashStart) / 1000);
  const oneHash = summarize(hashSamples);

  const dir = await makeTempDir('bench-identity');
  const server = await startServerProcess(join(dir, 'store'));
  const infra = { ...readInfrastructureConfig(), eventStoreConnectionString: server.connectionString };
  const app = await createIdentityApp(infra, {
    quiet: true,
    persistSecrets: false,
    config: {
      ...readIdentityConfig({}),
      accountThrottle: { maxFailures: 1e9, windowMs: 1, lockMs: 1 },
      ipThrottle: { maxFailures: 1e9, windowMs: 1, lockMs: 1 },
    },
  });
  await app.init();
  const client = await RequestReplyClient.start(app.get<MessageBus>(MESSAGE_BUS), 'bench');
  const gateway = new RequestSigner(
    loadRequestSigningKeys({ dataDir: infra.dataDir, sender: 'gateway' }),
    'gateway',
  );
  const send = async (command: Record<string, unknown>) => {
    const commandId = randomUUID();
    const reply = await client.request<IdentityReply>(
      TOPICS.identityCommands,
      commandId,
      gateway.sign({ commandId, command }),
      { timeoutMs: 60_000 },
    );
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    return reply.result;
  };

  const registrations: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    await send({
      type: 'Register',
      name: 'Bench',
      email: `user${i}-${randomUUID()}@example.com`,
      password: PASSWORD,
    });
    registrations.push(performance.now() - t);
  }
  const registration = summarize(registrations);
  for (let i = 0; i < USERS; i++)
    await send({ type: 'Register', name: 'Bench', email: `login${i}@example.com`, password: PASSWORD });
  const loginOnce = (i: number) =>
    send({ type: 'Login', email: `login${i % USERS}@example.com`, password: PASSWORD, ip: '10.0.0.1' });
  await loginOnce(0);

  const loginStart = performance.now();
  for (let i = 0; i < 40; i++) await loginOnce(i);
  const loginRate = 40 / ((performance.now() - loginStart) / 1000);

  const paced = await pacedLatencies(loginRate / 2, 60, loginOnce);

  // R17: forgot-password answers alike, and in the same time, for known and unknown addresses. Interleaved, so both
  // see the same machine; unknown addresses split in two give the A/A difference, i.e. the noise.
  const forgot = { known: [] as number[], unknownA: [] as number[], unknownB: [] as number[] };
  for (let i = 0; i < 600; i++) {
    const kind = (['known', 'unknownA', 'unknownB'] as const)[i % 3]!;
    const email =
      kind === 'known' ? `login${i % USERS}@example.com` : `nobody${i}-${randomUUID()}@example.com`;
    const t = performance.now();
    await send({ type: 'ForgotPassword', email });
    forgot[kind].push(performance.now() - t);
    await new Promise((resolve) => setTimeout(resolve, 2)); // the link's background work, off the next request
  }
  const known = summarize(forgot.known);
  const unknown = summarize([...forgot.unknownA, ...forgot.unknownB]);
  const noise = Math.abs(summarize(forgot.unknownA).p50 - summarize(forgot.unknownB).p50);

  const bus = process.env.KAFKA_BROKERS ? 'Kafka' : 'the in-process bus';
  console.log(`identity service over ${bus} (embedded event store, argon2id m=19456 KiB, t=2, p=1)`);
  // Requests here are sequential, so over Kafka each login also waits one request/reply round trip.
  line('argon2id verifications in this process (baseline)', perSecond(verifyRate));
  line('one argon2id verification (p50 / p99)', `${ms(oneHash.p50)} / ${ms(oneHash.p99)}`);
  line('registration, sequential (p50 / p99)', `${ms(registration.p50)} / ${ms(registration.p99)}`);
  line('  ratio registration p99 / one hash p50', `${(registration.p99 / oneHash.p50).toFixed(2)}x`);
  line('logins over the bus (sequential)', perSecond(loginRate));
  const rateRatio = loginRate / verifyRate;
  line('  ratio logins / verifications', `${rateRatio.toFixed(2)}x`, '>= 0.8x', rateRatio >= 0.8);
  line(`login at ${perSecond(loginRate / 2)} (p50 / p99)`, `${ms(paced.p50)} / ${ms(paced.p99)}`);
  const latencyRatio = paced.p99 / oneHash.p50;
  line('  ratio login p99 / one hash p50', `${latencyRatio.toFixed(2)}x`, '<= 3x', latencyRatio <= 3);
  line('forgot-password, known address (p50 / p99)', `${ms(known.p50)} / ${ms(known.p99)}`);
  line('forgot-password, unknown address (p50 / p99)', `${ms(unknown.p50)} / ${ms(unknown.p99)}`);
  const gap = Math.abs(known.p50 - unknown.p50);
  line(
    '  |known - unknown| p50 vs A/A noise',
    `${ms(gap)} vs ${ms(noise)}`,
    'within noise (<= 0.1 ms or 2x A/A)',
    gap <= Math.max(0.1, 2 * noise),
  );

  await client.close();
  await app.close();
  await server.stop();
}

runIfMain(module, run);
