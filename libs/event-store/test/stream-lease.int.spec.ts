import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { EventStoreDBClient, jsonEvent, BACKWARDS, END } from '@eventstore/db-client';
import { LEASE_ACQUIRED, LEASE_RELEASED, StreamLease, type StreamLeaseOptions } from '@app/event-store';
import { startTestEventStore, useTestEventStore } from '@app/testing/test-event-store';
import { waitFor } from '@app/testing';

describe('StreamLease: one leader among replicas, through the event store', () => {
  const eventStore = useTestEventStore();
  const running: StreamLease[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((l) => l.stop()));
  });

  /** A contender that records when it leads; `leading` counts this name's leaders at every moment. */
  function contender(name: string, holder: string, log: string[], extra: Partial<StreamLeaseOptions> = {}) {
    const lease = new StreamLease({
      client: eventStore.client,
      name,
      holder,
      ttlMs: 900,
      onAcquired: () => void log.push(`${holder} leads`),
      onLost: () => void log.push(`${holder} stops`),
      ...extra,
    });
    running.push(lease);
    lease.start();
    return lease;
  }
  const leaders = (...leases: StreamLease[]) => leases.filter((l) => l.isLeader).length;

  /** Instance `a` competing through `client` (on its own store or through a proxy), with a 1.5 s TTL. */
  function leaderOn(client: EventStoreDBClient): { lease: StreamLease; log: string[]; errors: unknown[] } {
    const log: string[] = [];
    const errors: unknown[] = [];
    const lease = new StreamLease({
      client,
      name: `relay-${randomUUID()}`,
      holder: 'a',
      ttlMs: 1_500,
      onAcquired: () => void log.push('a leads'),
      onLost: () => void log.push('a stops'),
      onError: (error) => void errors.push(error),
    });
    lease.start();
    return { lease, log, errors };
  }

  it('elects exactly one of several, and keeps it while it renews', async () => {
    const name = `relay-${randomUUID()}`;
    const log: string[] = [];
    // A TTL a slow append on a loaded machine does not outlast: this is about renewing, not about a slow store.
    const all = ['a', 'b', 'c'].map((h) => contender(name, h, log, { ttlMs: 3_000 }));
    await waitFor(() => leaders(...all) === 1, { timeoutMs: 5_000, what: 'a leader' });
    // Over two TTLs the leader renews and nobody else takes over.
    const first = log[0];
    for (let i = 0; i < 24; i++) {
      await new Promise((r) => setTimeout(r, 250));
      expect(leaders(...all)).toBe(1);
    }
    expect(log).toEqual([first]);
  });

  it('hands over at once when the leader stops, without waiting for the TTL', async () => {
    const name = `relay-${randomUUID()}`;
    const log: string[] = [];
    const a = contender(name, 'a', log, { ttlMs: 60_000 });
    await waitFor(() => a.isLeader, { timeoutMs: 5_000, what: 'a leads' });
    const b = contender(name, 'b', log, { ttlMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(b.isLeader).toBe(false);
    await a.stop();
    await waitFor(() => b.isLeader, { timeoutMs: 3_000, what: 'b leads after the release' });
    expect(log).toEqual(['a leads', 'a stops', 'b leads']);
    const client = eventStore.client;
    const types: string[] = [];
    for await (const e of client.readStream(`lease-${name}`, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: 2,
    }))
      types.push(e.event!.type);
    expect(types).toEqual([LEASE_ACQUIRED, LEASE_RELEASED]);
  });

  it('hands the lease over when its work fails to start, instead of holding it with nothing running', async () => {
    const name = `relay-${randomUUID()}`;
    const log: string[] = [];
    const errors: unknown[] = [];
    const a = contender(name, 'a', log, {
      ttlMs: 60_000,
      onAcquired: () => {
        log.push('a fails to start');
        throw new Error('cannot start');
      },
      onError: (error) => errors.push(error),
    });
    await waitFor(() => errors.length > 0, { timeoutMs: 5_000, what: 'a tried to lead' });
    expect(a.isLeader).toBe(false);
    // Within one look (well under the 60 s TTL) a replica whose work starts takes over.
    const b = contender(name, 'b', log, { ttlMs: 60_000 });
    await waitFor(() => b.isLeader, { timeoutMs: 3_000, what: 'b leads' });
    expect(a.isLeader).toBe(false);
    expect(log.slice(0, 2)).toEqual(['a fails to start', 'a stops']);
    expect(log).toContain('b leads');
  });

  it('waits a full TTL of silence before taking over from a holder that vanished without releasing', async () => {
    const name = `relay-${randomUUID()}`;
    await eventStore.client.appendToStream(
      `lease-${name}`,
      jsonEvent({ type: LEASE_ACQUIRED, data: { holder: 'crashed', ttlMs: 2_000 } }),
    );
    const log: string[] = [];
    const started = Date.now();
    const b = contender(name, 'b', log);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(b.isLeader).toBe(false); // the crashed holder's TTL (2 s, its own) has not passed
    await waitFor(() => b.isLeader, { timeoutMs: 5_000, what: 'b takes over' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  });

  it('steps down when another instance took the lease (its renewal is refused)', async () => {
    const name = `relay-${randomUUID()}`;
    const log: string[] = [];
    const a = contender(name, 'a', log);
    await waitFor(() => a.isLeader, { timeoutMs: 5_000, what: 'a leads' });
    await eventStore.client.appendToStream(
      `lease-${name}`,
      jsonEvent({ type: LEASE_ACQUIRED, data: { holder: 'usurper', ttlMs: 60_000 } }),
    );
    await waitFor(() => !a.isLeader, { timeoutMs: 3_000, what: 'a steps down' });
    expect(log).toEqual(['a leads', 'a stops']);
  });

  it('steps down before its TTL runs out when it cannot reach the store to renew', async () => {
    const store = await startTestEventStore();
    if (!store.embedded) return store.stop(); // a shared EventStoreDB cannot be stopped from here
    const client = EventStoreDBClient.connectionString(store.connectionString);
    const { lease: a, log, errors } = leaderOn(client);
    try {
      await waitFor(() => a.isLeader, { timeoutMs: 5_000, what: 'a leads' });
      await store.stop();
      const lostAt = Date.now();
      await waitFor(() => !a.isLeader, { timeoutMs: 5_000, what: 'a steps down' });
      // It gave up within the TTL (the others may take over only after a full TTL of silence).
      expect(Date.now() - lostAt).toBeLessThan(1_500 + 500);
      expect(log).toEqual(['a leads', 'a stops']);
      // Renewals refused at once were tried again at most every tenth of a second, not in a loop.
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.length).toBeLessThanOrEqual(Math.ceil((Date.now() - lostAt) / 100) + 1);
    } finally {
      await a.stop();
      await client.dispose();
    }
  });

  it('keeps the lease through a start that takes longer than a third of the TTL (renewals are timed from the last)', async () => {
    const log: string[] = [];
    const slowStart = contender(`relay-${randomUUID()}`, 'a', log, {
      ttlMs: 3_000,
      onAcquired: async () => {
        log.push('a leads');
        await new Promise((resolve) => setTimeout(resolve, 1_300)); // 0.43 of the TTL
      },
    });
    await waitFor(() => slowStart.isLeader, { timeoutMs: 5_000, what: 'a leads' });
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(log).toEqual(['a leads']);
  });

  it('steps down within two thirds of its TTL when a renewal hangs (a store or network that stopped answering)', async () => {
    // A proxy between the leader and the store that, once frozen, passes nothing on and closes nothing.
    const target = new URL(eventStore.store.connectionString.replace('esdb://', 'http://'));
    let frozen = false;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
      }
      client.on('data', (chunk: Buffer) => void (frozen || upstream.write(chunk)));
      upstream.on('data', (chunk: Buffer) => void (frozen || client.write(chunk)));
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const client = EventStoreDBClient.connectionString(
      `esdb://127.0.0.1:${(proxy.address() as AddressInfo).port}?tls=false`,
    );
    const { lease: a, log } = leaderOn(client);
    try {
      await waitFor(() => a.isLeader, { timeoutMs: 5_000, what: 'a leads' });
      frozen = true;
      const frozenAt = Date.now();
      await waitFor(() => !a.isLeader, { timeoutMs: 5_000, what: 'a steps down' });
      // Whoever waits a TTL of silence from its last renewal takes over after it stopped, not before.
      expect(Date.now() - frozenAt).toBeLessThan(1_500);
      expect(log).toEqual(['a leads', 'a stops']);
    } finally {
      for (const socket of sockets) socket.destroy();
      proxy.close();
      await a.stop();
      await client.dispose();
    }
  });
});
