import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import { followIntoMemory } from '@app/event-store';
import { DependencyUnavailableError, isDependencyOutage, PoisonMessageError } from '@app/messaging';
import { freePort } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';

/** What the call failed with (it must fail). */
async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** The errors the real drivers raise when what they talk to is not there, and some that say nothing of the kind. */
describe('a dependency outage, told from a failure of the message', () => {
  const eventStore = useTestEventStore();
  let closedPort: number;
  beforeAll(async () => {
    closedPort = await freePort();
  });

  it('MongoDB not reachable: the driver’s server selection fails', async () => {
    const client = new MongoClient(`mongodb://127.0.0.1:${closedPort}/`, { serverSelectionTimeoutMS: 300 });
    const error = await failureOf(() => client.db('x').command({ ping: 1 }));
    await client.close();
    expect(error).toMatchObject({ name: 'MongoServerSelectionError' });
    expect(isDependencyOutage(error)).toBe(true);
  });

  it('MongoDB not reachable through mongoose: an operation held while it connects times out', async () => {
    const connection = mongoose.createConnection(`mongodb://127.0.0.1:${closedPort}/`, {
      serverSelectionTimeoutMS: 1_000, // longer than the operation is held: it fails first
    });
    connection.on('error', () => undefined);
    const model = connection.model('Outage', new mongoose.Schema({ name: String }, { bufferTimeoutMS: 300 }));
    const error = await failureOf(() => model.findOne({ name: 'x' }).exec());
    await connection.close();
    expect((error as Error).message).toMatch(/buffering timed out/);
    expect(isDependencyOutage(error)).toBe(true);
  });

  it('the event store not reachable: the client answers unavailable', async () => {
    const client = EventStoreDBClient.connectionString(`esdb://127.0.0.1:${closedPort}?tls=false`);
    const error = await failureOf(async () => {
      for await (const _ of client.readStream('outage-test')) break;
    });
    await client.dispose();
    expect(isDependencyOutage(error)).toBe(true);
  });

  it('Kafka not reachable: the connection is refused, wrapped by the retries given up', async () => {
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${closedPort}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 300,
      retry: { retries: 1, initialRetryTime: 50 },
    });
    const producer = kafka.producer();
    const error = await failureOf(() => producer.connect());
    await producer.disconnect();
    expect(isDependencyOutage(error)).toBe(true);
  });

  it('an in-memory index still reading the event store (after a restart, say): a wait, not a failure', async () => {
    const index = followIntoMemory({
      name: 'outage-index',
      client: eventStore.client,
      apply: () => undefined,
    });
    await index.catchUp();
    await index.stop();
    await eventStore.client.appendToStream(`outage-${Date.now()}`, jsonEvent({ type: 'A', data: {} }));
    const error = await failureOf(() => index.catchUp(0));
    expect(error).toMatchObject({ message: 'outage-index is behind the event store' });
    expect(isDependencyOutage(error)).toBe(true);
  });

  it('not an outage: a refused append, a poison message, a plain failure', async () => {
    const stream = `outage-${Date.now()}`;
    await eventStore.client.appendToStream(stream, jsonEvent({ type: 'A', data: {} }));
    const conflict = await failureOf(() =>
      eventStore.client.appendToStream(stream, jsonEvent({ type: 'A', data: {} }), {
        expectedRevision: 'no_stream',
      }),
    );
    expect(conflict).toMatchObject({ type: 'wrong-expected-version' });
    expect(isDependencyOutage(conflict)).toBe(false);
    expect(isDependencyOutage(new PoisonMessageError('bad', 'invalid'))).toBe(false);
    expect(isDependencyOutage(new Error('no such organization'))).toBe(false);
    expect(isDependencyOutage('ECONNREFUSED')).toBe(false);
    expect(isDependencyOutage(undefined)).toBe(false);
  });

  it('an outage further down a chain of causes counts, so does a handler’s own “not ready”, and a cycle of causes ends', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(
      isDependencyOutage(new Error('write failed', { cause: new Error('flush', { cause: refused }) })),
    ).toBe(true);
    expect(isDependencyOutage(new DependencyUnavailableError('read models still being filled'))).toBe(true);
    const cyclic: Error & { cause?: unknown } = new Error('a');
    cyclic.cause = new Error('b', { cause: cyclic });
    expect(isDependencyOutage(cyclic)).toBe(false);
  });
});
