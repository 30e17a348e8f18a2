import 'reflect-metadata';
import { join } from 'node:path';
import { type INestApplication } from '@nestjs/common';
import { startEmbeddedEventStore } from '@app/eventstore-server';
import { startTracing } from '@app/tracing';
import {
  exitOnStartupFailure,
  flag,
  positiveInt,
  readInfrastructureConfig,
  readShutdownSettings,
  stopGracefullyOnSignals,
} from '@app/platform';
import { createGatewayApp, GATEWAY_DEFAULT_PORT } from '../../apps/gateway/src/gateway.app';
import { createIdentityApp, IDENTITY_DEFAULT_PORT } from '../../apps/identity/src/identity.app';
import { createMembershipApp, MEMBERSHIP_DEFAULT_PORT } from '../../apps/membership/src/membership.app';
import {
  createNotificationsApp,
  NOTIFICATIONS_DEFAULT_PORT,
} from '../../apps/notifications/src/notifications.app';

/** What is being started: a failure is named after it, in one line, as each service run on its own names itself. */
let starting = 'identity-platform';

/**
 * The embedded default: the whole system in one process with no external infrastructure. The event store is our
 * embedded EventStoreDB-protocol server (durable under DATA_DIR), the bus is in-process, read models are in memory and
 * rebuilt from the event store at start. Setting KAFKA_BROKERS / MONGO_URL / EVENTSTORE_CONNECTION_STRING swaps in the
 * real thing for that concern.
 */
async function main(): Promise<void> {
  const stopTracing = startTracing('identity-platform');
  const config = readInfrastructureConfig();
  // Read before anything starts: a malformed value is refused as the platform's, not once the services listen.
  const shutdown = readShutdownSettings({ SHUTDOWN_DRAIN_MS: '0', ...process.env });
  const host = process.env.HOST ?? '127.0.0.1';
  let connectionString = config.eventStoreConnectionString;
  let stopEventStore = async () => undefined as void;
  if (!connectionString) {
    const settings = {
      host: '127.0.0.1',
      port: positiveInt(process.env.EVENTSTORE_PORT, 2113, 'EVENTSTORE_PORT'),
      dataDir: join(config.dataDir, 'eventstore'),
      fsync: flag(process.env.EVENTSTORE_FSYNC, true, 'EVENTSTORE_FSYNC'),
    };
    starting = 'event store';
    const server = await startEmbeddedEventStore(settings);
    connectionString = server.connectionString;
    stopEventStore = () => server.close();
  }
  const infra = { ...config, eventStoreConnectionString: connectionString };
  const services: [string, (i: typeof infra) => Promise<INestApplication>, number][] = [
    ['identity', createIdentityApp, IDENTITY_DEFAULT_PORT],
    ['membership', createMembershipApp, MEMBERSHIP_DEFAULT_PORT],
    ['notifications', createNotificationsApp, NOTIFICATIONS_DEFAULT_PORT],
    ['gateway', createGatewayApp, GATEWAY_DEFAULT_PORT],
  ];
  const apps: INestApplication[] = [];
  for (const [name, create, port] of services) {
    starting = name;
    const app = await create(infra);
    await app.listen(port, host);
    apps.push(app);
    console.log(`${name} listening on http://${host}:${port}`);
  }
  console.log(`event store: ${connectionString}; data under ${config.dataDir}`);
  console.log(
    `gateway: http://${host}:${GATEWAY_DEFAULT_PORT}/v1 (OpenAPI at http://${host}:${GATEWAY_DEFAULT_PORT}/docs)`,
  );
  console.log(`console: http://${host}:${GATEWAY_DEFAULT_PORT}/console`);
  console.log(`mail and SMS: ${join(config.dataDir, 'outbox')} (open the .eml files to follow links)`);

  stopGracefullyOnSignals(
    async () => {
      for (const app of apps.reverse()) await app.close();
      await stopEventStore();
      await stopTracing?.();
    },
    shutdown,
    (message) => console.log(message),
  );
}

main().catch((error: unknown) => exitOnStartupFailure(starting)(error));
