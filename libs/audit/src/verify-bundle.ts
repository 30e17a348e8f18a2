import { type KeyObject } from 'node:crypto';
import { CHAIN_HASH_FIELD, chainHashOf } from '@app/event-store';
import {
  organizationStreamOf,
  type Bundle,
  type BundleCheckpoint,
  type BundleEvent,
  type SealedStream,
} from './bundle';
import { CLOCK_SKEW_MS, checkpointDigest, checkpointSignatureValid } from './checkpoints';
import { sealSignatureValid } from './seal';
import { keyIdOf, readPublicKey } from './signing-key';

export interface StreamVerdict {
  readonly stream: string;
  readonly events: number;
  /** The first revision with a hash: earlier events were written before chains and prove nothing. */
  readonly chainedFrom?: number;
  /** The highest revision a valid signed checkpoint covers. */
  readonly signedUpTo?: number;
  readonly firstBad?: { readonly revision: number; readonly reason: string };
  /** Nothing found altered, but nothing proves the stream either (not chained, or not signed yet): why. */
  readonly unproven?: string;
}

export interface BundleVerdict {
  /** Nothing in the bundle was found altered, missing or out of place, under the bundle's own key. */
  readonly intact: boolean;
  /** A valid seal says the bundle holds every stream to the end it had when exported. */
  readonly sealed: boolean;
  /** Every stream is chained from its first event (none holds events from before hash chains). */
  readonly whollyChained: boolean;
  /** Intact, sealed, wholly chained and signed by the key the auditor trusts: the only verdict that proves it all. */
  readonly proven: boolean;
  readonly keyId: string;
  /** Whether the bundle's key is the one the auditor trusts (when given one). */
  readonly trustedKey?: boolean;
  /** What is wrong with the bundle as a whole (its stream list, its seal). */
  readonly problems: string[];
  readonly streams: StreamVerdict[];
}

/**
 * Checks a bundle offline. It must list its organization's stream, and every stream it lists must be chained and
 * signed. Per stream: revisions run 0, 1, 2 ... with none missing, doubled or out of order; once the chain began,
 * every event carries a hash and each hash is recomputed from the previous hash and the event's content;
 * checkpoints are numbered without gaps, each linked to the one before and validly signed, and the hash each signs
 * is the chain's hash at its revision, which the bundle must reach. A seal, when present, must be valid and match
 * what the bundle holds: every stream, every event and every checkpoint up to the export. The first failure of a
 * stream is named by revision.
 */
export function verifyBundle(bundle: Bundle, trustedPublicKeyPem?: string): BundleVerdict {
  const publicKey = readPublicKey(bundle.header.publicKey);
  const keyId = keyIdOf(publicKey);
  const trustedKey =
    trustedPublicKeyPem === undefined ? undefined : keyIdOf(readPublicKey(trustedPublicKeyPem)) === keyId;
  const listed = bundle.header.streams;
  const problems: string[] = [...(bundle.malformed ?? [])];
  if (bundle.header.keyId !== keyId) problems.push("the header's key id is not its key's fingerprint");
  if (listed.length === 0) problems.push('the bundle lists no stream');
  if (!listed.includes(organizationStreamOf(bundle.header.org)))
    problems.push(
      `the bundle does not hold its organization's stream ${organizationStreamOf(bundle.header.org)}`,
    );
  if (new Set(listed).size !== listed.length) problems.push('the bundle lists a stream twice');
  const byStream = new Map<string, BundleEvent[]>(listed.map((s) => [s, []]));
  for (const event of bundle.events) byStream.get(event.stream)?.push(event);
  const strays = bundle.events.filter((e) => !byStream.has(e.stream));
  if (bundle.checkpoints.some((c) => !byStream.has(c.stream)))
    problems.push('a checkpoint of a stream the bundle does not list');
  const seal = bundle.seal;
  const sealed = seal !== undefined && sealMatchesHeader(bundle, publicKey, problems);
  const checkpointsOf = new Map<string, BundleCheckpoint[]>();
  for (const checkpoint of bundle.checkpoints) {
    const ofStream = checkpointsOf.get(checkpoint.stream);
    if (ofStream) ofStream.push(checkpoint);
    else checkpointsOf.set(checkpoint.stream, [checkpoint]);
  }
  const verdicts: StreamVerdict[] = [];
  for (const [stream, events] of byStream) {
    const checkpoints = (checkpointsOf.get(stream) ?? []).sort(
      (a, b) => Number(a.sequence) - Number(b.sequence),
    );
    const timeOrdered = stream === organizationStreamOf(bundle.header.org);
    const verdict = verifyStream(stream, events, checkpoints, publicKey, timeOrdered);
    const sealedStream = sealed ? seal.streams.find((s) => s.stream === stream) : undefined;
    verdicts.push(
      sealedStream && !verdict.firstBad ? checkSealed(verdict, sealedStream, checkpoints) : verdict,
    );
  }
  for (const stray of strays.slice(0, 1))
    verdicts.push({
      stream: stray.stream,
      events: 1,
      firstBad: { revision: Number(stray.revision), reason: 'an event of a stream the bundle does not list' },
    });
  const intact = trustedKey !== false && problems.length === 0 && verdicts.every((v) => !v.firstBad);
  // Events from before hash chains are shown but checked by nothing: a bundle holding any is not proven.
  const whollyChained = verdicts.every((v) => v.chainedFrom === 0);
  return {
    intact,
    sealed,
    whollyChained,
    proven: intact && sealed && whollyChained && trustedKey === true && verdicts.every((v) => !v.unproven),
    keyId,
    ...(trustedKey === undefined ? {} : { trustedKey }),
    problems,
    streams: verdicts,
  };
}

/** The seal's signature and its organization, moment and stream list against the header; problems are recorded. */
function sealMatchesHeader(bundle: Bundle, publicKey: KeyObject, problems: string[]): boolean {
  const seal = bundle.seal!;
  const before = problems.length;
  if (!sealSignatureValid(seal, publicKey)) problems.push("the seal's signature does not verify");
  else {
    if (seal.org !== bundle.header.org || seal.exportedAt !== bundle.header.exportedAt)
      problems.push('the header names another organization or moment than the seal');
    const sealedStreams = seal.streams.map((s) => s.stream).sort();
    if (sealedStreams.join('\n') !== [...bundle.header.streams].sort().join('\n'))
      problems.push('the header lists other streams than the seal');
  }
  return problems.length === before;
}

/** A sealed stream must hold exactly the events and checkpoints the seal counted. */
function checkSealed(
  verdict: StreamVerdict,
  sealed: SealedStream,
  checkpoints: BundleCheckpoint[],
): StreamVerdict {
  const first = checkpoints[0];
  const last = checkpoints[checkpoints.length - 1];
  const bad = (revision: number, reason: string): StreamVerdict => ({
    ...verdict,
    firstBad: { revision, reason },
  });
  if (verdict.events !== sealed.events)
    return bad(
      Math.min(verdict.events, sealed.events),
      `truncated: the seal counts ${sealed.events} events, the bundle holds ${verdict.events}`,
    );
  if (Number(first?.sequence) !== sealed.firstCheckpoint || Number(last?.sequence) !== sealed.lastCheckpoint)
    return bad(
      Number(first?.revision ?? 0),
      `the seal counts checkpoints ${sealed.firstCheckpoint}..${sealed.lastCheckpoint}, the bundle holds ` +
        `${String(first?.sequence)}..${String(last?.sequence)}`,
    );
  if (Number(last!.revision) !== verdict.events - 1)
    return bad(verdict.events - 1, "the seal's last checkpoint does not sign the last event");
  return verdict;
}

/** An instant in UTC as ISO 8601 writes it, the fraction of a second optional. */
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

function verifyStream(
  stream: string,
  events: BundleEvent[],
  checkpoints: BundleCheckpoint[],
  publicKey: KeyObject,
  timeOrdered: boolean,
): StreamVerdict {
  const hashes: (string | undefined)[] = [];
  let previous: string | undefined;
  let previousAt: number | undefined;
  const stamps: number[] = [];
  let chainedFrom: number | undefined;
  const verdict = (firstBad?: { revision: number; reason: string }, signedUpTo?: number): StreamVerdict => ({
    stream,
    events: events.length,
    ...(chainedFrom === undefined ? {} : { chainedFrom }),
    ...(signedUpTo === undefined ? {} : { signedUpTo }),
    ...(firstBad ? { firstBad } : {}),
  });
  if (events.length === 0) return verdict({ revision: 0, reason: 'the bundle holds no event of it' });
  for (let expected = 0; expected < events.length; expected++) {
    const event = events[expected]!;
    const revision = Number(event.revision);
    if (revision !== expected)
      return verdict({
        revision: expected,
        reason:
          revision < expected
            ? `revision ${revision} appears again or out of order`
            : events.slice(expected + 1).some((later) => Number(later.revision) === expected)
              ? `revision ${expected} is out of order (revision ${revision} comes before it)`
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
    // R21: the organization stamps no event before the one before it, so history read by time is history read in
    // order. One that is, well chained, was appended past the decider by someone who could write to the store.
    const stamp = (event.data as { at?: unknown } | null)?.at;
    const at = typeof stamp === 'string' && UTC_INSTANT.test(stamp) ? Date.parse(stamp) : NaN;
    // Every organization event is stamped with a UTC instant: one without (missing, another form, an offset) would
    // fall out of every roster's time cut-off, and the readers of it would disagree on where it falls.
    if (timeOrdered && Number.isNaN(at))
      return verdict({
        revision,
        reason: 'not stamped with a UTC instant as the organization stamps its events (R21)',
      });
    stamps[revision] = at;
    // Compared as instants, not as text: `...:01Z` is before `...:01.500Z`, though it sorts after it.
    if (timeOrdered) {
      if (previousAt !== undefined && at < previousAt)
        return verdict({
          revision,
          reason: 'stamped before the event before it: the organization never records an earlier time (R21)',
        });
      previousAt = at;
    }
    hashes.push(hash);
    previous = hash;
  }
  // Honest but unprovable (a stream from before hash chains, one not signed yet) is not tampering: it proves nothing.
  // Checkpoints over a stream without hashes are: they signed a chain, which was stripped.
  if (chainedFrom === undefined)
    return checkpoints.length > 0
      ? verdict({ revision: 0, reason: 'checkpoints sign a chain, but no event carries a hash (stripped)' })
      : { ...verdict(), unproven: 'no event carries a hash: nothing in this stream can be proven' };
  let signedUpTo: number | undefined;
  let lastGood = -1;
  let before: BundleCheckpoint | undefined;
  for (const checkpoint of checkpoints) {
    const { kind: _kind, ...signed } = checkpoint;
    const at = Number(checkpoint.revision);
    const where = Number.isInteger(at) && at >= 0 ? Math.min(at, events.length) : 0;
    if (!checkpointSignatureValid(signed, publicKey))
      return verdict({ revision: where, reason: 'a checkpoint whose signature does not verify' }, signedUpTo);
    const sequence = Number(checkpoint.sequence);
    if (before && sequence !== Number(before.sequence) + 1)
      return verdict(
        {
          revision: where,
          reason:
            sequence === Number(before.sequence)
              ? `checkpoint ${sequence} appears twice`
              : `checkpoints ${Number(before.sequence) + 1}..${sequence - 1} are missing`,
        },
        signedUpTo,
      );
    if (before && checkpoint.previous !== checkpointDigest(before))
      return verdict(
        { revision: where, reason: `checkpoint ${sequence} does not link to the one before it` },
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
    // An event stamped after the checkpoint that signed it was stamped ahead of the clock: with the decider's
    // "never before the last event", one such event would date every later one there too (R21).
    // Stamps never go back (checked above), so the signed revision's is the latest; the first past it is looked for
    // only when it is.
    const signedAt = Date.parse(String(checkpoint.at)) + CLOCK_SKEW_MS;
    const ahead =
      timeOrdered && (stamps[at] ?? -Infinity) > signedAt
        ? stamps.findIndex((stamp, r) => r <= at && stamp > signedAt)
        : -1;
    if (ahead >= 0)
      return verdict(
        {
          revision: ahead,
          reason: `stamped after the checkpoint that signed it (${String(checkpoint.at)}): dated ahead of its time (R21)`,
        },
        signedUpTo,
      );
    lastGood = Math.max(lastGood, at);
    signedUpTo = Math.max(signedUpTo ?? -1, at);
    before = checkpoint;
  }
  if (signedUpTo === undefined)
    return {
      ...verdict(),
      unproven:
        'no signed checkpoint yet: a rewritten chain would look the same (the services sign about once a minute)',
    };
  return verdict(undefined, signedUpTo);
}
