import { parseArgs } from 'node:util';
import { startEmbeddedEventStore } from './embedded-event-store';

/**
 * `npm run eventstore:embedded -- --port 2113 --data .data/eventstore [--no-fsync] [--host 127.0.0.1]
 * [--max-append-size 1048576]`
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '2113' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: '.data/eventstore' },
      'no-fsync': { type: 'boolean', default: false },
      'max-append-size': { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got ${values.port}`);
  const startedAt = performance.now();
  const server = await startEmbeddedEventStore({
    port,
    host: values.host,
    dataDir: values.data,
    fsync: !values['no-fsync'],
    ...(values['max-append-size'] ? { maxAppendSize: Number(values['max-append-size']) } : {}),
  });
  const ms = (performance.now() - startedAt).toFixed(0);
  console.log(
    `embedded event store: ${server.connectionString} (${server.eventCount} events, started in ${ms} ms, data in ${values.data})`,
  );
  if (server.recoveredTruncatedBytes > 0)
    console.log(`recovered: dropped a torn tail of ${server.recoveredTruncatedBytes} bytes`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
