import { EventStoreDBClient } from '@eventstore/db-client';
import { CliError } from './cli-error';

export const DEFAULT_CONNECTION_STRING = 'esdb://127.0.0.1:2113?tls=false';

/** The connection string with any password replaced, fit to print. */
export function maskedConnectionString(connectionString: string): string {
  // Up to the last @ before the hosts: a password may hold an @ of its own.
  return connectionString.replace(/\/\/([^:/@?]+):[^?]*@/, '//$1:***@');
}

/** The client's own message may quote the connection string, or a piece of it when the password upsets parsing. */
function withoutPassword(message: string, connectionString: string): string {
  const password = /\/\/[^:/@?]+:([^?]*)@/.exec(connectionString)?.[1];
  if (!password) return message;
  return [password, ...password.split('@')]
    .filter((piece) => piece.length > 0)
    .reduce((text, piece) => text.split(piece).join('***'), message);
}

/**
 * A client for EVENTSTORE_CONNECTION_STRING, or the embedded store `npm start` serves. Checked with one read before
 * any work, so an unreachable store is one line naming it (password masked), never a gRPC stack.
 */
export async function connectEventStore(env: NodeJS.ProcessEnv = process.env): Promise<EventStoreDBClient> {
  const connectionString = env.EVENTSTORE_CONNECTION_STRING || DEFAULT_CONNECTION_STRING;
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(connectionString);
  } catch {
    throw new CliError(
      `EVENTSTORE_CONNECTION_STRING is not a connection string: ${maskedConnectionString(connectionString)}`,
    );
  }
  try {
    for await (const _ of client.readAll({ maxCount: 1, deadline: 5_000 })) void _;
  } catch (error) {
    await client.dispose().catch(() => undefined);
    const reason = withoutPassword(
      error instanceof Error ? error.message.split('\n')[0]! : String(error),
      connectionString,
    );
    throw new CliError(
      `cannot reach the event store at ${maskedConnectionString(connectionString)}: ${reason}`,
    );
  }
  return client;
}
