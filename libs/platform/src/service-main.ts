import { startTracing } from '@app/tracing';
import { type INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { readShutdownSettings, stopGracefullyOnSignals } from './graceful-shutdown';
import { positiveInt, readInfrastructureConfig, type InfrastructureConfig } from './service-config';

/** Infrastructure with the event store decided: a real EventStoreDB or the embedded server the launcher started. */
export type ResolvedInfrastructure = InfrastructureConfig & { readonly eventStoreConnectionString: string };

/**
 * Entry point of one service running on its own (Kubernetes, docker compose): every dependency comes from the
 * environment. The embedded default, with all four services in one process, is `npm start`.
 */
export async function runServiceFromEnvironment(
  service: string,
  defaultPort: number,
  create: (infra: ResolvedInfrastructure) => Promise<INestApplication>,
): Promise<void> {
  const infra = readInfrastructureConfig();
  const shutdown = readShutdownSettings();
  if (!infra.eventStoreConnectionString) {
    throw new Error(
      `${service}: EVENTSTORE_CONNECTION_STRING is not set. Point it at EventStoreDB, or run the whole system on the embedded default with "npm start".`,
    );
  }
  const stopTracing = startTracing(service);
  const app = await create({ ...infra, eventStoreConnectionString: infra.eventStoreConnectionString });
  const port = positiveInt(process.env.PORT, defaultPort, 'PORT');
  const logger = new Logger(service);
  stopGracefullyOnSignals(
    async () => {
      await app.close();
      await stopTracing?.(); // what is still buffered is exported
    },
    shutdown,
    (message) => logger.log(message),
  );
  await app.listen(port, process.env.HOST ?? '0.0.0.0');
}
