import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { BACKWARDS, END, jsonEvent } from '@eventstore/db-client';
import {
  AggregateStore,
  CHAIN_HASH_FIELD,
  EventStoreCheckpointStore,
  chainHashOf,
  formatPosition,
} from '@app/event-store';
import {
  AuditCheckpointer,
  chainHeadOf,
  checkpointSignatureValid,
  keyIdOf,
  publishedPublicKeys,
  readCheckpoints,
  type AuditSigningKey,
} from '@app/audit';
import { waitFor } from '@app/testing';
import { useTestEventStore } from '@app/testing/test-event-store';
import { counterDecider } from '../../event-store/test/counter.decider';

describe('AuditCheckpointer: the services sign their streams’ chain heads periodically', () => {
  const eventStore = useTestEventStore();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key: AuditSigningKey = { privateKey, publicKey, keyId: keyIdOf(publicKey) };
  const running: AuditCheckpointer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  const replica = (prefix: string) => {
    const checkpointer = new AuditCheckpointer({
      client: eventStore.client,
      service: `svc-${prefix}`,
      streamPrefixes: [prefix],
      key,
      everyMs: 200,
      // Long enough that a slow append on a loaded machine does not cost a healthy leader its lease.
      leaseMs: 3_000,
    });
    running.push(checkpointer);
    checkpointer.start();
    return checkpointer;
  };
  const signedHead = async (stream: string) => (await readCheckpoints(eventStore.client, stream)).at(-1);

  it('one replica signs the head of every stream that changed, with the published key; another takes over when it stops', async () => {
    const prefix = `acct${randomUUID().slice(0, 6)}-`;
    const [a, b] = [replica(prefix), replica(prefix)];
    await waitFor(() => a.isLeader !== b.isLeader, { timeoutMs: 5_000, what: 'one leader' });
    const store = new AggregateStore(eventStore.client);
    const streams = [`${prefix}1`, `${prefix}2`];
    for (const stream of streams) {
      await store.handle(
        stream,
        { decider: counterDecider },
        { type: 'Open', id: stream },
        { commandId: randomUUID(), actor: 'a' },
      );
      await store.handle(
        stream,
        { decider: counterDecider },
        { type: 'Add', amount: 2 },
        { commandId: randomUUID(), actor: 'a' },
      );
    }
    for (const stream of streams) {
      await waitFor(async () => (await signedHead(stream))?.revision === '1', {
        timeoutMs: 5_000,
        what: `${stream} signed`,
      });
      const head = (await chainHeadOf(eventStore.client, stream))!;
      const checkpoint = (await signedHead(stream))!;
      expect(checkpoint).toMatchObject({ stream, revision: '1', hash: head.hash, keyId: key.keyId });
      expect(checkpointSignatureValid(checkpoint, publicKey)).toBe(true);
    }
    expect((await publishedPublicKeys(eventStore.client)).get(key.keyId)).toContain('BEGIN PUBLIC KEY');
    const leader = a.isLeader ? a : b;
    const other = leader === a ? b : a;
    await leader.stop();
    await waitFor(() => other.isLeader, { timeoutMs: 5_000, what: 'the other replica takes over' });
    await store.handle(
      streams[0]!,
      { decider: counterDecider },
      { type: 'Add', amount: 1 },
      { commandId: randomUUID(), actor: 'a' },
    );
    await waitFor(async () => (await signedHead(streams[0]!))?.revision === '2', {
      timeoutMs: 5_000,
      what: 'the new head signed',
    });
  });

  it('an organization head stamped past its clock is signed once the clock reaches it, with nothing appended since', async () => {
    const stream = `organization-${randomUUID()}`;
    const start = Date.now();
    let clock = new Date(start);
    const refused: unknown[] = [];
    const checkpointer = new AuditCheckpointer({
      client: eventStore.client,
      service: `svc-${stream}`,
      streamPrefixes: [stream],
      key,
      everyMs: 200,
      leaseMs: 3_000,
      now: () => clock,
      onError: (error) => void refused.push(error),
    });
    running.push(checkpointer);
    checkpointer.start();
    const at = new Date(start + 10 * 60_000).toISOString();
    const data = { orgId: 'o1', actorId: 'owner', at, seats: 3 };
    const metadata = {
      actor: 'owner',
      correlationId: 'c1',
      causationId: 'c1',
      schemaVersion: 1,
      commandId: randomUUID(),
    };
    const hash = chainHashOf(undefined, { type: 'SeatsChanged', data, metadata, revision: 0n });
    await eventStore.client.appendToStream(
      stream,
      jsonEvent({ type: 'SeatsChanged', data, metadata: { ...metadata, [CHAIN_HASH_FIELD]: hash } }),
    );
    await waitFor(() => refused.length > 0, { timeoutMs: 5_000, what: 'the head refused for the clock' });
    expect(String(refused[0])).toMatch(/later than this signer's clock/);
    expect(await readCheckpoints(eventStore.client, stream)).toEqual([]);

    clock = new Date(start + 10 * 60_000);
    await waitFor(async () => (await readCheckpoints(eventStore.client, stream)).length === 1, {
      timeoutMs: 5_000,
      what: 'the head signed once the clock reached it',
    });
    expect((await signedHead(stream))?.hash).toBe(hash);
  });

  it('a stream nobody changed gets no new checkpoint', async () => {
    const prefix = `idle${randomUUID().slice(0, 6)}-`;
    const store = new AggregateStore(eventStore.client);
    await store.handle(
      `${prefix}1`,
      { decider: counterDecider },
      { type: 'Open', id: 'x' },
      { commandId: randomUUID(), actor: 'a' },
    );
    const checkpointer = replica(prefix);
    await waitFor(async () => (await readCheckpoints(eventStore.client, `${prefix}1`)).length === 1, {
      timeoutMs: 5_000,
      what: 'the first checkpoint',
    });
    await new Promise((r) => setTimeout(r, 800));
    expect(await readCheckpoints(eventStore.client, `${prefix}1`)).toHaveLength(1);
    expect(checkpointer.isLeader).toBe(true);
  });

  it('signs the head of a single stream it is given when it begins to lead, even one written before its position', async () => {
    const single = `defaults${randomUUID().slice(0, 6)}`;
    const store = new AggregateStore(eventStore.client);
    await store.handle(
      single,
      { decider: counterDecider },
      { type: 'Open', id: single },
      { commandId: randomUUID(), actor: 'a' },
    );
    // A replica of an earlier release, which did not follow that stream, led and moved the position past it.
    const service = `svc-${single}`;
    let newest = '';
    for await (const resolved of eventStore.client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: 1,
    }))
      newest = formatPosition(resolved.event!.position);
    await new EventStoreCheckpointStore(eventStore.client).save(`${service}-audit-checkpointer`, newest);
    const checkpointer = new AuditCheckpointer({
      client: eventStore.client,
      service,
      streamPrefixes: [`unused${randomUUID().slice(0, 6)}-`],
      streams: [single],
      key,
      everyMs: 200,
      // Long enough that a slow append on a loaded machine does not cost a healthy leader its lease.
      leaseMs: 3_000,
    });
    running.push(checkpointer);
    checkpointer.start();
    await waitFor(async () => (await signedHead(single))?.revision === '0', {
      timeoutMs: 5_000,
      what: 'the single stream’s head signed',
    });
    expect((await signedHead(single))?.hash).toBe((await chainHeadOf(eventStore.client, single))!.hash);
  });
});
