import { randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { connectEventStore } from '@app/event-store';
import { startEmbeddedEventStore } from '@app/eventstore-server';
import { makeTempDir } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';

const event = (n: number) => jsonEvent({ type: 'Numbered', data: { n } });

describe('appends of one client are not failed by another client in the same process', () => {
  const eventStore = useTestEventStore();

  it('disposing one client while another has appends in flight leaves every one of them acknowledged', async () => {
    const busy = connectEventStore(eventStore.store.connectionString);
    const leaving = connectEventStore(eventStore.store.connectionString);
    const stream = `isolation-${randomUUID()}`;
    try {
      await busy.appendToStream(stream, event(-1));
      await leaving.appendToStream(`${stream}-other`, event(0));

      const inFlight = Promise.allSettled(
        Array.from({ length: 200 }, (_, n) => busy.appendToStream(stream, event(n))),
      );
      await leaving.dispose();
      const outcomes = await inFlight;

      const refused = outcomes.filter((o) => o.status === 'rejected');
      expect(refused.map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
      const after = await busy.appendToStream(stream, event(200));
      expect(after.nextExpectedRevision).toBe(201n);
    } finally {
      await busy.dispose();
    }
  });

  it('a client whose connection is cancelled fails only its own appends', async () => {
    const staying = connectEventStore(eventStore.store.connectionString);
    const leaving = connectEventStore(eventStore.store.connectionString);
    const stream = `isolation-${randomUUID()}`;
    try {
      await staying.appendToStream(stream, event(-1));
      await leaving.appendToStream(`${stream}-other`, event(0));

      const theirs = Promise.allSettled(
        Array.from({ length: 50 }, (_, n) => leaving.appendToStream(`${stream}-other`, event(n))),
      );
      const ours = Promise.allSettled(
        Array.from({ length: 50 }, (_, n) => staying.appendToStream(stream, event(n))),
      );
      await leaving.dispose();
      const [theirOutcomes, ourOutcomes] = await Promise.all([theirs, ours]);

      expect(ourOutcomes.every((o) => o.status === 'fulfilled')).toBe(true);
      // Each of theirs settles one way or the other: none is left hanging.
      expect(theirOutcomes).toHaveLength(50);
    } finally {
      await staying.dispose();
    }
  });

  it('an append still being written (many requests) when its client is disposed fails, rather than waiting for ever', async () => {
    const server = await startEmbeddedEventStore({
      dataDir: await makeTempDir('batch-append'),
      port: 0,
      fsync: false,
      maxAppendSize: 16_000_000,
    });
    const client = connectEventStore(server.connectionString);
    try {
      await client.appendToStream(`warm-${randomUUID()}`, event(0));
      const big = Array.from({ length: 60 }, (_, n) =>
        jsonEvent({ type: 'Big', data: { n, pad: 'x'.repeat(100_000) } }),
      );
      const outcome = client.appendToStream(`big-${randomUUID()}`, big, { batchAppendSize: 100_000 }).then(
        () => 'acknowledged',
        () => 'failed',
      );
      await new Promise((resolve) => setImmediate(resolve));
      await client.dispose();
      expect(await outcome).toBe('failed');
    } finally {
      await server.close();
    }
  });
});
