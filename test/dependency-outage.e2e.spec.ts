import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  describeIf,
  freePort,
  infraEnv,
  makeTempDir,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
} from '@app/testing';
import { startTestEventStore, type TestEventStore } from '@app/testing/test-event-store';
import { startSmtpServer } from '../apps/notifications/src/delivery/smtp-server.testing';
import { PASSWORD, tokenFromMails } from './platform.testing';

const run = promisify(execFile);

/**
 * The four services on a Kafka and a FerretDB of their own, which the test stops and starts again (data kept) while
 * the services run: readiness must fail while a dependency is down, come back by itself when it returns, and the
 * command path and the consumers must work again, with no restart of any service.
 */
describeIf(infraEnv.kafkaBrokers && infraEnv.mongoUrl)('a dependency outage under running services', () => {
  let store: TestEventStore;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let infraEnvironment: NodeJS.ProcessEnv;
  const services: ServiceProcess[] = [];
  let gateway: ServiceProcess;

  const infra = async (server: 'kafka' | 'ferretdb', command: 'start' | 'halt' | 'resume' | 'stop') =>
    run('bash', [join(__dirname, `../scripts/infra/${server}.sh`), command], {
      env: infraEnvironment,
      timeout: 180_000,
    });

  beforeAll(async () => {
    const [kafkaPort, controllerPort, saslPort, mongoPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    infraEnvironment = {
      ...process.env,
      INFRA_STATE: await makeTempDir('outage-infra'),
      KAFKA_PORT: String(kafkaPort),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_SASL_SSL_PORT: String(saslPort),
      MONGO_PORT: String(mongoPort),
    };
    await Promise.all([infra('kafka', 'start'), infra('ferretdb', 'start')]);
    store = await startTestEventStore();
    smtp = await startSmtpServer();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'fatal',
      DATA_DIR: await makeTempDir('outage'),
      EVENTSTORE_CONNECTION_STRING: store.connectionString,
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      MONGO_URL: `mongodb://127.0.0.1:${mongoPort}/`,
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'http://gateway.test',
      SHUTDOWN_DRAIN_MS: '500',
    };
    for (const service of ['identity', 'membership', 'notifications'])
      services.push(await startServiceProcess(service, env));
    env.IDENTITY_JWKS_URL = `http://127.0.0.1:${services[0]!.port}/.well-known/jwks.json`;
    gateway = await startServiceProcess('gateway', env);
    services.push(gateway);
  }, 600_000);

  afterAll(async () => {
    for (const service of services) service.child.kill('SIGKILL');
    await Promise.allSettled([infra('kafka', 'stop'), infra('ferretdb', 'stop')]);
    await smtp?.stop();
    await store?.stop();
  }, 60_000);

  /** Each service's readiness, and which checks it names as down. */
  const readiness = () =>
    Promise.all(
      services.map(async (s) => {
        const answer = await fetch(`http://127.0.0.1:${s.port}/health/ready`).catch(() => undefined);
        const body = (await answer?.json().catch(() => undefined)) as
          { error?: Record<string, unknown> } | undefined;
        return { service: s.name, status: answer?.status ?? 0, down: Object.keys(body?.error ?? {}).sort() };
      }),
    );
  const allReady = async () => (await readiness()).every((r) => r.status === 200);

  /** A sign-up through the gateway, whose confirmation mail proves the command path and the consumers work. */
  async function signUpWorks(): Promise<void> {
    const email = `outage-${randomUUID().slice(0, 8)}@example.com`;
    await waitFor(
      async () => {
        const answer = await fetch(`http://127.0.0.1:${gateway.port}/v1/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: PASSWORD, name: 'Outage' }),
        });
        return answer.status === 202;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: 'a sign-up accepted' },
    );
    await tokenFromMails(smtp.received, email, '/verify-email', 0, 60_000);
  }

  it('readiness fails while Kafka is down and recovers by itself when it returns', async () => {
    await signUpWorks();
    await infra('kafka', 'halt');
    await waitFor(async () => (await readiness()).every((r) => r.status === 503), {
      timeoutMs: 30_000,
      what: 'every service not ready',
    });
    expect((await readiness()).map((r) => r.down)).toEqual(services.map(() => ['bus']));
    for (const s of services)
      expect((await fetch(`http://127.0.0.1:${s.port}/health/live`)).status).toBe(200); // no restart wanted
    await infra('kafka', 'resume');
    await waitFor(allReady, { timeoutMs: 120_000, intervalMs: 500, what: 'every service ready again' });
    await signUpWorks();
  }, 300_000);

  it('readiness fails where MongoDB is used while FerretDB is down, and recovers by itself', async () => {
    await infra('ferretdb', 'halt');
    const usesMongo = ['identity', 'notifications', 'gateway'];
    await waitFor(
      async () => (await readiness()).every((r) => r.status === (usesMongo.includes(r.service) ? 503 : 200)),
      { timeoutMs: 30_000, what: 'the services that use MongoDB not ready, membership still ready' },
    );
    expect((await readiness()).filter((r) => r.status === 503).map((r) => [r.service, r.down])).toEqual(
      usesMongo.map((s) => [s, ['readstore']]),
    );
    await infra('ferretdb', 'resume');
    await waitFor(allReady, { timeoutMs: 120_000, intervalMs: 500, what: 'every service ready again' });
    await signUpWorks();
  }, 300_000);
});
