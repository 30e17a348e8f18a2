import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { jsonEvent } from '@eventstore/db-client';
import { AggregateStore, CHAIN_HASH_FIELD, chainHashOf } from '@app/event-store';
import {
  CheckpointContinuityError,
  SIGNING_KEYS_STREAM,
  StaleHeadError,
  chainHeadOf,
  checkpointDigest,
  checkpointStreamOf,
  keyIdOf,
  publicKeyPem,
  publishPublicKey,
  publishedPublicKeys,
  readCheckpoints,
  retiredKeys,
  writeCheckpoints,
  type AuditSigningKey,
} from '@app/audit';
import { useTestEventStore } from '@app/testing/test-event-store';
import { counterDecider } from '../../event-store/test/counter.decider';

const keyOf = (): AuditSigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
};

describe('signing a checkpoint: only a head that continues what was signed before', () => {
  const eventStore = useTestEventStore();
  const key = keyOf();
  const ctx = () => ({ commandId: randomUUID(), actor: 'user-1', tenant: 'org-1' });

  async function streamWith(amounts: number[]) {
    const stream = `counter-${randomUUID()}`;
    const store = new AggregateStore(eventStore.client);
    await store.handle(stream, { decider: counterDecider }, { type: 'Open', id: stream }, ctx());
    for (const amount of amounts)
      await store.handle(stream, { decider: counterDecider }, { type: 'Add', amount }, ctx());
    return { stream, store };
  }
  /** The streams' heads, and what signing them all at once wrote and refused. */
  const signAll = async (streams: string[]) => {
    const heads = await Promise.all(
      streams.map(async (stream) => ({ stream, ...(await chainHeadOf(eventStore.client, stream))! })),
    );
    const refused: Error[] = [];
    const written = await writeCheckpoints(eventStore.client, heads, key, {
      onRefused: (e) => refused.push(e),
    });
    return { heads, written, refused };
  };
  const sign = async (stream: string, signer = key) => {
    const head = (await chainHeadOf(eventStore.client, stream))!;
    return writeCheckpoints(eventStore.client, [{ stream, ...head }], signer);
  };

  it('numbers checkpoints and links each to the one before; a head already signed is not signed again', async () => {
    const { stream, store } = await streamWith([1, 2]);
    const [first] = await sign(stream);
    expect(first).toMatchObject({ sequence: 0, previous: '', revision: '2' });
    expect(await sign(stream)).toEqual([]);
    await store.handle(stream, { decider: counterDecider }, { type: 'Add', amount: 3 }, ctx());
    const [second] = await sign(stream);
    expect(second).toMatchObject({ sequence: 1, previous: checkpointDigest(first!), revision: '3' });
    expect(await readCheckpoints(eventStore.client, stream)).toEqual([first, second]);
  });

  it('refuses a head whose history was rewritten after the last checkpoint, hashes recomputed', async () => {
    const { stream } = await streamWith([1]);
    await sign(stream);
    // Someone with write access to the store appends an event that claims a chain of its own.
    const forged = chainHashOf('0'.repeat(64), {
      type: 'Added',
      data: { amount: 1_000 },
      metadata: { actor: 'mallory' },
      revision: 2n,
    });
    await eventStore.client.appendToStream(
      stream,
      jsonEvent({
        type: 'Added',
        data: { amount: 1_000 },
        metadata: { actor: 'mallory', [CHAIN_HASH_FIELD]: forged },
      }),
    );
    const before = await readCheckpoints(eventStore.client, stream);
    await expect(sign(stream)).rejects.toThrow(CheckpointContinuityError);
    await expect(sign(stream)).rejects.toThrow(/revision 2 does not match its hash; nothing was signed/);
    expect(await readCheckpoints(eventStore.client, stream)).toEqual(before);
  });

  it('refuses when the checkpoint stream lost its checkpoints (deleted, then written again)', async () => {
    const { stream, store } = await streamWith([1]);
    await sign(stream);
    await store.handle(stream, { decider: counterDecider }, { type: 'Add', amount: 2 }, ctx());
    await sign(stream);
    await eventStore.client.deleteStream(checkpointStreamOf(stream));
    await store.handle(stream, { decider: counterDecider }, { type: 'Add', amount: 3 }, ctx());
    await expect(sign(stream)).rejects.toThrow(/checkpoints were deleted/);
    expect(await readCheckpoints(eventStore.client, stream)).toEqual([]);
  });

  it('refuses a checkpoint signed with a key it was not configured to trust, even one published in the store', async () => {
    const { stream } = await streamWith([1]);
    const insiders = keyOf();
    // Anyone who can write to the store can publish a key and sign with it: that proves nothing.
    await publishPublicKey(eventStore.client, insiders);
    await sign(stream, insiders);
    await expect(sign(stream)).rejects.toThrow(
      /is signed with key [0-9a-f]{32}, which is neither this signer's nor one of its retired keys/,
    );
  });

  it('after a rotation, goes on from the checkpoints of a retired key it was configured with', async () => {
    const { stream, store } = await streamWith([1]);
    const old = keyOf();
    const [first] = await sign(stream, old);
    await store.handle(stream, { decider: counterDecider }, { type: 'Add', amount: 2 }, ctx());
    const rotated = {
      ...keyOf(),
      retired: retiredKeys({ AUDIT_SIGNING_KEYS_RETIRED: publicKeyPem(old.publicKey).replace(/\n/g, '\\n') }),
    };
    const [second] = await sign(stream, rotated);
    expect(second).toMatchObject({ sequence: 1, previous: checkpointDigest(first!), keyId: rotated.keyId });
    // A head the retired key signed last, and no event since (a quiet stream): signed again by the current key, once.
    const quiet = (await streamWith([5])).stream;
    const [byOld] = await sign(quiet, old);
    const [again] = await sign(quiet, rotated);
    expect(again).toMatchObject({
      sequence: 1,
      previous: checkpointDigest(byOld!),
      revision: byOld!.revision,
      keyId: rotated.keyId,
    });
    expect(await sign(quiet, rotated)).toEqual([]);
    expect(() =>
      retiredKeys({ AUDIT_SIGNING_KEYS_RETIRED: '-----BEGIN PUBLIC KEY-----x-----END PUBLIC KEY-----' }),
    ).toThrow(/AUDIT_SIGNING_KEYS_RETIRED/);
    // A private key pasted by mistake, or anything else without a public key, is refused rather than ignored.
    expect(() => retiredKeys({ AUDIT_SIGNING_KEYS_RETIRED: '-----BEGIN PRIVATE KEY-----\nabc' })).toThrow(
      /holds no public key/,
    );
  });

  it('one refused stream does not keep the others from being signed; a head older than the signed one is stale', async () => {
    const broken = await streamWith([1]);
    const fine = await streamWith([2]);
    await sign(broken.stream);
    await eventStore.client.appendToStream(
      broken.stream,
      jsonEvent({
        type: 'Added',
        data: { amount: 5 },
        metadata: { actor: 'mallory', [CHAIN_HASH_FIELD]: 'f'.repeat(64) },
      }),
    );
    const { heads, written, refused } = await signAll([broken.stream, fine.stream]);
    expect(written.map((c) => c.stream)).toEqual([fine.stream]);
    expect(refused.map((e) => e.message)).toEqual([
      expect.stringMatching(new RegExp(`^${broken.stream}: .*nothing was signed$`)),
    ]);
    await fine.store.handle(fine.stream, { decider: counterDecider }, { type: 'Add', amount: 3 }, ctx());
    const [old] = heads.slice(1);
    await sign(fine.stream);
    await expect(writeCheckpoints(eventStore.client, [old!], key)).rejects.toThrow(StaleHeadError);
  });

  it('a malformed checkpoint appended to one stream is that stream’s refusal; the others are still signed', async () => {
    const poisoned = await streamWith([1]);
    const fine = await streamWith([2]);
    const [first] = await sign(poisoned.stream);
    // Whoever may append writes a "checkpoint" with the right place and link but a revision that is no number.
    await eventStore.client.appendToStream(
      checkpointStreamOf(poisoned.stream),
      jsonEvent({
        type: 'ChainCheckpointSigned',
        data: { ...first!, sequence: 1, previous: checkpointDigest(first!), revision: 'x' },
      }),
    );
    await poisoned.store.handle(
      poisoned.stream,
      { decider: counterDecider },
      { type: 'Add', amount: 3 },
      ctx(),
    );
    const { written, refused } = await signAll([poisoned.stream, fine.stream]);
    expect(written.map((c) => c.stream)).toEqual([fine.stream]);
    expect(refused.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /checkpoint 1 \(revision 1\) is not a well-formed checkpoint; nothing was signed$/,
      ),
    ]);
  });

  it('signs no organization head stamped later than its clock allows: a clock ahead, or an event dated 9999', async () => {
    const stream = `organization-${randomUUID()}`;
    let previous: string | undefined;
    const appendStamped = async (revision: bigint, at: string) => {
      const data = { orgId: 'o1', actorId: 'owner', at, seats: Number(revision) };
      const metadata: Record<string, unknown> = { actor: 'owner' };
      previous = chainHashOf(previous, { type: 'SeatsChanged', data, metadata, revision });
      await eventStore.client.appendToStream(
        stream,
        jsonEvent({ type: 'SeatsChanged', data, metadata: { ...metadata, [CHAIN_HASH_FIELD]: previous } }),
      );
    };
    await appendStamped(0n, new Date().toISOString());
    expect(await sign(stream)).toHaveLength(1);
    await appendStamped(1n, '9999-12-31T00:00:00.000Z');

    await expect(sign(stream)).rejects.toThrow(
      /is stamped 9999-12-31T00:00:00.000Z, later than this signer's clock/,
    );
    const head = { stream, ...(await chainHeadOf(eventStore.client, stream))! };
    const late = await writeCheckpoints(eventStore.client, [head], key, {
      now: new Date('9999-12-31T00:01:00.000Z'),
    });
    expect(late.map((c) => c.revision)).toEqual(['1']);
  });

  it("a public key published under another key's id is ignored", async () => {
    const other = keyOf();
    await eventStore.client.appendToStream(
      SIGNING_KEYS_STREAM,
      jsonEvent({
        type: 'AuditSigningKeyPublished',
        data: { keyId: key.keyId, publicKey: publicKeyPem(other.publicKey), at: new Date().toISOString() },
      }),
    );
    await publishPublicKey(eventStore.client, key);
    expect((await publishedPublicKeys(eventStore.client)).get(key.keyId)).toBe(publicKeyPem(key.publicKey));
  });
});
