import { type KeyObject } from 'node:crypto';
import { CHAIN_HASH_FIELD, chainHashOf } from '@app/event-store';
import { type Bundle, type BundleEvent } from './bundle';
import { checkpointSignatureValid } from './checkpoints';
import { keyIdOf, readPublicKey } from './signing-key';

export interface StreamVerdict {
  readonly stream: string;
  readonly events: number;
  /** The first revision with a hash: earlier events were written before chains and prove nothing. */
  readonly chainedFrom?: number;
  /** The highest revision a valid signed checkpoint covers. */
  readonly signedUpTo?: number;
  readonly firstBad?: { readonly revision: number; readonly reason: string };
}

export interface BundleVerdict {
  readonly intact: boolean;
  readonly keyId: string;
  /** Whether the bundle's key is the one the auditor trusts (when given one). */
  readonly trustedKey?: boolean;
  readonly streams: StreamVerdict[];
}

/**
 * Checks a bundle offline. Per stream: revisions run 0, 1, 2 ... with none missing, doubled or out of order; once
 * the chain began, every event carries a hash and each hash is recomputed from the previous hash and the event's
 * content; every checkpoint's signature is valid for the key, and the hash it signs is the chain's hash at its
 * revision, which the bundle must reach. The first failure is named by revision.
 */
export function verifyBundle(bundle: Bundle, trustedPublicKeyPem?: string): BundleVerdict {
  const publicKey = readPublicKey(bundle.header.publicKey);
  const keyId = keyIdOf(publicKey);
  const trustedKey =
    trustedPublicKeyPem === undefined ? undefined : keyIdOf(readPublicKey(trustedPublicKeyPem)) === keyId;
  const byStream = new Map<string, BundleEvent[]>(bundle.header.streams.map((s) => [s, []]));
  const verdicts: StreamVerdict[] = [];
  const strays = bundle.events.filter((e) => !byStream.has(e.stream));
  for (const event of bundle.events) byStream.get(event.stream)?.push(event);
  for (const [stream, events] of byStream) verdicts.push(verifyStream(stream, events, bundle, publicKey));
  for (const stray of strays.slice(0, 1))
    verdicts.push({
      stream: stray.stream,
      events: 1,
      firstBad: { revision: Number(stray.revision), reason: 'an event of a stream the bundle does not list' },
    });
  return {
    intact: trustedKey !== false && verdicts.every((v) => !v.firstBad),
    keyId,
    ...(trustedKey === undefined ? {} : { trustedKey }),
    streams: verdicts,
  };
}

function verifyStream(
  stream: string,
  events: BundleEvent[],
  bundle: Bundle,
  publicKey: KeyObject,
): StreamVerdict {
  const hashes: (string | undefined)[] = [];
  let previous: string | undefined;
  let chainedFrom: number | undefined;
  const verdict = (firstBad?: { revision: number; reason: string }, signedUpTo?: number): StreamVerdict => ({
    stream,
    events: events.length,
    ...(chainedFrom === undefined ? {} : { chainedFrom }),
    ...(signedUpTo === undefined ? {} : { signedUpTo }),
    ...(firstBad ? { firstBad } : {}),
  });
  for (let expected = 0; expected < events.length; expected++) {
    const event = events[expected]!;
    const revision = Number(event.revision);
    if (revision !== expected)
      return verdict({
        revision: expected,
        reason:
          revision < expected
            ? `revision ${revision} appears again or out of order`
            : `revision ${expected} is missing (the next event is ${revision})`,
      });
    const hash = event.metadata?.[CHAIN_HASH_FIELD];
    if (typeof hash !== 'string') {
      if (chainedFrom !== undefined)
        return verdict({ revision, reason: 'an event without a hash inside the chain' });
      hashes.push(undefined);
      continue;
    }
    chainedFrom ??= revision;
    let computed: string;
    try {
      computed = chainHashOf(previous, {
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        revision: BigInt(event.revision),
      });
    } catch {
      return verdict({ revision, reason: 'the event cannot be read' });
    }
    if (computed !== hash)
      return verdict({
        revision,
        reason: 'the event does not match its hash (changed, or its predecessor was)',
      });
    hashes.push(hash);
    previous = hash;
  }
  let signedUpTo: number | undefined;
  let lastGood = -1;
  for (const checkpoint of bundle.checkpoints.filter((c) => c.stream === stream)) {
    const { kind: _kind, ...signed } = checkpoint;
    const at = Number(checkpoint.revision);
    if (!checkpointSignatureValid(signed, publicKey))
      return verdict(
        { revision: Number.isInteger(at) ? at : 0, reason: 'a checkpoint whose signature does not verify' },
        signedUpTo,
      );
    if (at >= events.length)
      return verdict(
        {
          revision: events.length,
          reason: `truncated: a checkpoint signs revision ${at}, the bundle ends before it`,
        },
        signedUpTo,
      );
    if (hashes[at] !== checkpoint.hash)
      return verdict(
        {
          revision: lastGood + 1,
          reason: `the chain differs from the one signed at revision ${at}: an event in ${lastGood + 1}..${at} was rewritten`,
        },
        signedUpTo,
      );
    lastGood = Math.max(lastGood, at);
    signedUpTo = Math.max(signedUpTo ?? -1, at);
  }
  if (chainedFrom !== undefined && signedUpTo === undefined)
    return verdict({
      revision: chainedFrom,
      reason: 'no signed checkpoint: a rewritten chain would look the same',
    });
  return verdict(undefined, signedUpTo);
}
