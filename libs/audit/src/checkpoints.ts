import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import {
  FORWARDS,
  NO_STREAM,
  START,
  WrongExpectedVersionError,
  jsonEvent,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import {
  CHAIN_HASH_FIELD,
  canonicalJson,
  chainHashOf,
  readLastEvent,
  readStreamEvents,
} from '@app/event-store';
import { isOrganizationStream } from './bundle';
import { type AuditSigningKey } from './signing-key';

export const CHECKPOINT_EVENT_TYPE = 'ChainCheckpointSigned';

/**
 * How far the clock of the service stamping an organization's events and the signer's may differ. A signer signs no
 * head stamped later than its clock allows, and `verify` refuses an event stamped after the checkpoint that signed it
 * by more: one event dated ahead of its time (9999) would date every later one there too (R21).
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * What a checkpoint signs: a stream's chain head at a revision, when, with which key, and where it stands among the
 * stream's checkpoints: `sequence` counts them from 0 and `previous` is the digest of the one before ('' for the
 * first), so checkpoints form a chain of their own and a dropped or reordered one shows.
 */
export interface ChainCheckpoint {
  readonly stream: string;
  readonly revision: string;
  readonly hash: string;
  readonly at: string;
  readonly keyId: string;
  readonly sequence: number;
  readonly previous: string;
}

export interface SignedCheckpoint extends ChainCheckpoint {
  /** Ed25519 over the canonical JSON of the other fields, base64. */
  readonly signature: string;
}

/** A signer found that the stream or its checkpoints no longer continue what was signed: it signs nothing. */
export class CheckpointContinuityError extends Error {
  constructor(
    readonly stream: string,
    reason: string,
  ) {
    super(`${stream}: ${reason}; nothing was signed`);
    this.name = 'CheckpointContinuityError';
  }
}

/**
 * An organization's head is stamped later than the signer's clock allows (`CLOCK_SKEW_MS`): a clock off, or an event
 * dated ahead of its time. Not signed now; signed once the signer's clock reaches it.
 */
export class HeadAheadOfClockError extends CheckpointContinuityError {
  constructor(stream: string, stamp: string, now: Date) {
    super(
      stream,
      `the head is stamped ${stamp}, later than this signer's clock (${now.toISOString()}) allows: a clock off, ` +
        `or an event dated ahead of its time; it is signed once this clock reaches it`,
    );
    this.name = 'HeadAheadOfClockError';
  }
}

/** The head to sign is older than one already signed (a signer that was behind): nothing is wrong, nothing to do. */
export class StaleHeadError extends Error {
  constructor(
    readonly stream: string,
    readonly signedRevision: bigint,
  ) {
    super(`${stream}: a later revision (${signedRevision}) is already signed`);
    this.name = 'StaleHeadError';
  }
}

/** Checkpoints of a stream live in a stream of their own, outside every prefix the relays publish. */
export function checkpointStreamOf(stream: string): string {
  return `audit-${stream}`;
}

/** What the next checkpoint names as `previous`: the SHA-256 of this one's canonical JSON, signature included. */
export function checkpointDigest(checkpoint: SignedCheckpoint): string {
  const { stream, revision, hash, at, keyId, sequence, previous, signature } = checkpoint;
  return createHash('sha256')
    .update(canonicalJson({ stream, revision, hash, at, keyId, sequence, previous, signature }))
    .digest('hex');
}

export function signCheckpoint(checkpoint: ChainCheckpoint, key: AuditSigningKey): SignedCheckpoint {
  const signed = { ...checkpoint, keyId: key.keyId };
  return { ...signed, signature: signatureOf(signed, key) };
}

/** Ed25519 over the canonical JSON of `content`, base64. */
export function signatureOf(content: object, key: AuditSigningKey): string {
  return sign(null, Buffer.from(canonicalJson(content)), key.privateKey).toString('base64');
}

export function signatureValid(content: object, signature: unknown, publicKey: KeyObject): boolean {
  if (typeof signature !== 'string') return false;
  const bytes = Buffer.from(signature, 'base64');
  // Node's base64 decoding skips what it cannot read: only the canonical text of the signature counts.
  if (bytes.toString('base64') !== signature) return false;
  try {
    return verify(null, Buffer.from(canonicalJson(content)), publicKey, bytes);
  } catch {
    return false;
  }
}

export function checkpointSignatureValid(checkpoint: SignedCheckpoint, publicKey: KeyObject): boolean {
  const { signature, ...signed } = checkpoint;
  return signatureValid(signed, signature, publicKey);
}

/** A stream's last revision and chain hash, or undefined when it does not exist or its last event is not chained. */
export async function chainHeadOf(
  client: EventStoreDBClient,
  stream: string,
): Promise<{ revision: bigint; hash: string } | undefined> {
  const last = (await readLastEvent(client, stream))?.event;
  const hash = (last?.metadata as Record<string, unknown> | undefined)?.[CHAIN_HASH_FIELD];
  return last && typeof hash === 'string' ? { revision: last.revision, hash } : undefined;
}

export interface ChainHead {
  readonly stream: string;
  readonly revision: bigint;
  readonly hash: string;
}

/**
 * Signs each head as the next checkpoint of its stream, and appends it to the stream's checkpoint stream. Before
 * signing, it checks what it is about to vouch for: the checkpoints so far form an unbroken chain under known keys,
 * their stream lost none of them, and the stream still holds the last signed head and runs on from it, every hash
 * recomputed, to this one. A head already signed is skipped; one older than the last signed is a StaleHeadError.
 * Anything else is a CheckpointContinuityError: a signer never covers a rewritten or shortened history with a fresh
 * signature. One stream's refusal does not keep the others from being signed: with `onRefused` each is reported
 * there, without it the first is thrown once every head was tried.
 */
export async function writeCheckpoints(
  client: EventStoreDBClient,
  heads: readonly ChainHead[],
  key: AuditSigningKey,
  options: { now?: Date; onRefused?: (error: CheckpointContinuityError | StaleHeadError) => void } = {},
): Promise<SignedCheckpoint[]> {
  const written: SignedCheckpoint[] = [];
  let refused: CheckpointContinuityError | StaleHeadError | undefined;
  for (const head of heads) {
    try {
      const checkpoint = await signNextCheckpoint(client, head, key, options);
      if (checkpoint) written.push(checkpoint);
    } catch (error) {
      if (!(error instanceof CheckpointContinuityError || error instanceof StaleHeadError)) throw error;
      if (options.onRefused) options.onRefused(error);
      else refused ??= error;
    }
  }
  if (refused) throw refused;
  return written;
}

async function signNextCheckpoint(
  client: EventStoreDBClient,
  head: ChainHead,
  key: AuditSigningKey,
  options: { now?: Date },
): Promise<SignedCheckpoint | undefined> {
  // The stream may have been cut back below the last signed revision: requireContinues then finds it ends early.
  for (let attempt = 1; ; attempt++) {
    const { checkpoints, lastRevision } = await readCheckedCheckpoints(client, head.stream, key);
    const last = checkpoints[checkpoints.length - 1];
    // Signed already, by this key: nothing to add. Signed by a retired key, it is signed again, so that the current
    // key's run of checkpoints (what an export carries) reaches the head.
    if (
      last &&
      BigInt(last.revision) === head.revision &&
      last.hash === head.hash &&
      last.keyId === key.keyId
    )
      return undefined;
    if (last && BigInt(last.revision) > head.revision)
      throw new StaleHeadError(head.stream, BigInt(last.revision));
    const now = options.now ?? new Date();
    await requireContinues(client, head, last, now);
    const checkpoint = signCheckpoint(
      {
        stream: head.stream,
        revision: head.revision.toString(),
        hash: head.hash,
        at: now.toISOString(),
        keyId: key.keyId,
        sequence: checkpoints.length,
        previous: last ? checkpointDigest(last) : '',
      },
      key,
    );
    try {
      await client.appendToStream(
        checkpointStreamOf(head.stream),
        jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { ...checkpoint } }),
        { expectedRevision: lastRevision ?? NO_STREAM },
      );
      return checkpoint;
    } catch (error) {
      // Another signer got there first: check again against what it signed.
      if (!(error instanceof WrongExpectedVersionError) || attempt >= 3) throw error;
    }
  }
}

/** A stream's checkpoints, checked as a chain: each at its own place, linked to the one before, validly signed. */
async function readCheckedCheckpoints(
  client: EventStoreDBClient,
  stream: string,
  key: AuditSigningKey,
): Promise<{ checkpoints: SignedCheckpoint[]; lastRevision?: bigint }> {
  // Deleting a stream leaves its metadata saying where it was cut: checkpoints removed that way never come back.
  const { metadata } = await client.getStreamMetadata(checkpointStreamOf(stream));
  if (metadata?.truncateBefore !== undefined)
    throw new CheckpointContinuityError(
      stream,
      `checkpoints were deleted (before revision ${metadata.truncateBefore})`,
    );
  const recorded = await readStreamEvents(client, checkpointStreamOf(stream));
  const checkpoints: SignedCheckpoint[] = [];
  let lastRevision: bigint | undefined;
  for (const resolved of recorded) {
    const event = resolved.event;
    if (!event) continue;
    lastRevision = event.revision;
    const checkpoint = event.data as unknown as SignedCheckpoint;
    const sequence = checkpoints.length;
    const previous = checkpoints[sequence - 1];
    const refuse = (reason: string) => {
      throw new CheckpointContinuityError(
        stream,
        `checkpoint ${sequence} (revision ${event.revision}) ${reason}`,
      );
    };
    if (event.type !== CHECKPOINT_EVENT_TYPE) refuse('is not a checkpoint');
    // Read as written by a signer before anything is computed from it: a field of another shape (anyone who may
    // append could write one) is this stream's refusal, not a failure that would stop every other stream's signing.
    if (!wellFormed(checkpoint)) refuse('is not a well-formed checkpoint');
    // A checkpoint stream that was deleted and written again keeps counting revisions: its sequence falls behind.
    if (checkpoint.sequence !== sequence || event.revision !== BigInt(sequence))
      refuse(
        `says it is number ${String(checkpoint.sequence)}: checkpoints were lost or the stream was recreated`,
      );
    if (checkpoint.stream !== stream) refuse(`is about another stream (${String(checkpoint.stream)})`);
    if (checkpoint.previous !== (previous ? checkpointDigest(previous) : ''))
      refuse('does not link to the checkpoint before it');
    if (previous && BigInt(checkpoint.revision) < BigInt(previous.revision))
      refuse('signs an earlier revision than the checkpoint before it');
    // Only keys of the signer's own configuration: one merely published in the store proves nothing.
    const publicKey =
      checkpoint.keyId === key.keyId ? key.publicKey : key.retired?.get(String(checkpoint.keyId));
    if (!publicKey)
      refuse(
        `is signed with key ${String(checkpoint.keyId)}, which is neither this signer's nor one of its retired keys (AUDIT_SIGNING_KEYS_RETIRED)`,
      );
    if (!checkpointSignatureValid(checkpoint, publicKey!)) refuse('has a signature that does not verify');
    checkpoints.push(checkpoint);
  }
  return { checkpoints, ...(lastRevision === undefined ? {} : { lastRevision }) };
}

function wellFormed(checkpoint: SignedCheckpoint): boolean {
  const text = (value: unknown) => typeof value === 'string';
  return (
    typeof checkpoint === 'object' &&
    checkpoint !== null &&
    text(checkpoint.stream) &&
    text(checkpoint.revision) &&
    /^\d{1,20}$/.test(checkpoint.revision) &&
    text(checkpoint.hash) &&
    text(checkpoint.at) &&
    text(checkpoint.keyId) &&
    Number.isSafeInteger(checkpoint.sequence) &&
    text(checkpoint.previous) &&
    text(checkpoint.signature)
  );
}

/**
 * The stream holds `last` (if any) and runs on from it to `head`, every hash recomputed. Without a checkpoint yet,
 * the whole chain is recomputed from its first chained event.
 */
async function requireContinues(
  client: EventStoreDBClient,
  head: ChainHead,
  last: SignedCheckpoint | undefined,
  now: Date,
): Promise<void> {
  const from = last ? BigInt(last.revision) : 0n;
  let previous: string | undefined;
  let expected = from;
  let problem: string | undefined;
  let headStamp: unknown;
  // Read to the end even after a problem: a read left half-consumed keeps the client from closing.
  for await (const resolved of client.readStream(head.stream, {
    direction: FORWARDS,
    fromRevision: last ? from : START,
    maxCount: head.revision - from + 1n,
  })) {
    if (problem === undefined) problem = nextLinkProblem(resolved.event!, expected++);
    if (resolved.event?.revision === head.revision) headStamp = (resolved.event.data as { at?: unknown }).at;
  }
  if (problem === undefined && expected !== head.revision + 1n)
    problem = `the stream ends before revision ${head.revision}`;
  if (problem === undefined && previous !== head.hash)
    problem = `the head at revision ${head.revision} is not the chain's`;
  if (problem !== undefined) throw new CheckpointContinuityError(head.stream, problem);
  if (
    isOrganizationStream(head.stream) &&
    typeof headStamp === 'string' &&
    Date.parse(headStamp) > now.getTime() + CLOCK_SKEW_MS
  )
    throw new HeadAheadOfClockError(head.stream, headStamp, now);

  function nextLinkProblem(
    event: { revision: bigint; type: string; data: unknown; metadata?: unknown },
    revision: bigint,
  ): string | undefined {
    if (event.revision !== revision) return `revision ${revision} is missing`;
    const metadata = (event.metadata ?? {}) as Record<string, unknown>;
    const stored = metadata[CHAIN_HASH_FIELD];
    if (last && event.revision === from) {
      if (stored !== last.hash)
        return `revision ${last.revision} no longer holds the hash signed in checkpoint ${last.sequence}`;
      previous = last.hash;
      return undefined;
    }
    if (typeof stored !== 'string')
      return previous === undefined ? undefined : `revision ${event.revision} has no hash inside the chain`;
    const computed = chainHashOf(previous, {
      type: event.type,
      data: event.data,
      metadata,
      revision: event.revision,
    });
    if (computed !== stored) return `revision ${event.revision} does not match its hash`;
    previous = stored;
    return undefined;
  }
}

/** A stream's checkpoints as stored, in order. */
export async function readCheckpoints(
  client: EventStoreDBClient,
  stream: string,
): Promise<SignedCheckpoint[]> {
  return (await readStreamEvents(client, checkpointStreamOf(stream)))
    .filter((resolved) => resolved.event?.type === CHECKPOINT_EVENT_TYPE)
    .map((resolved) => resolved.event!.data as unknown as SignedCheckpoint)
    .sort((a, b) => a.sequence - b.sequence);
}
