import { sign, verify, type KeyObject } from 'node:crypto';
import { jsonEvent, type EventStoreDBClient } from '@eventstore/db-client';
import { CHAIN_HASH_FIELD, canonicalJson, readLastEvent, readStreamEvents } from '@app/event-store';
import { type AuditSigningKey } from './signing-key';

export const CHECKPOINT_EVENT_TYPE = 'ChainCheckpointSigned';

/** What a checkpoint signs: a stream's chain head at a revision, when, and with which key. */
export interface ChainCheckpoint {
  readonly stream: string;
  readonly revision: string;
  readonly hash: string;
  readonly at: string;
  readonly keyId: string;
}

export interface SignedCheckpoint extends ChainCheckpoint {
  /** Ed25519 over the canonical JSON of the other fields, base64. */
  readonly signature: string;
}

/** Checkpoints of a stream live in a stream of their own, outside every prefix the relays publish. */
export function checkpointStreamOf(stream: string): string {
  return `audit-${stream}`;
}

export function signCheckpoint(checkpoint: ChainCheckpoint, key: AuditSigningKey): SignedCheckpoint {
  const signed = { ...checkpoint, keyId: key.keyId };
  return {
    ...signed,
    signature: sign(null, Buffer.from(canonicalJson(signed)), key.privateKey).toString('base64'),
  };
}

export function checkpointSignatureValid(checkpoint: SignedCheckpoint, publicKey: KeyObject): boolean {
  const { signature, ...signed } = checkpoint;
  const bytes = Buffer.from(String(signature), 'base64');
  // Node's base64 decoding skips what it cannot read: only the canonical text of the signature counts.
  if (bytes.toString('base64') !== signature) return false;
  try {
    return verify(null, Buffer.from(canonicalJson(signed)), publicKey, bytes);
  } catch {
    return false;
  }
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

/** Signs the given heads and appends each to its stream's checkpoint stream. */
export async function writeCheckpoints(
  client: EventStoreDBClient,
  heads: readonly { stream: string; revision: bigint; hash: string }[],
  key: AuditSigningKey,
  now: Date = new Date(),
): Promise<SignedCheckpoint[]> {
  const written: SignedCheckpoint[] = [];
  for (const head of heads) {
    const checkpoint = signCheckpoint(
      {
        stream: head.stream,
        revision: head.revision.toString(),
        hash: head.hash,
        at: now.toISOString(),
        keyId: key.keyId,
      },
      key,
    );
    await client.appendToStream(
      checkpointStreamOf(head.stream),
      jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { ...checkpoint } }),
    );
    written.push(checkpoint);
  }
  return written;
}

export async function readCheckpoints(
  client: EventStoreDBClient,
  stream: string,
): Promise<SignedCheckpoint[]> {
  return (await readStreamEvents(client, checkpointStreamOf(stream)))
    .filter((resolved) => resolved.event?.type === CHECKPOINT_EVENT_TYPE)
    .map((resolved) => resolved.event!.data as unknown as SignedCheckpoint);
}
