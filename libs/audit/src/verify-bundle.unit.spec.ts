import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { CHAIN_HASH_FIELD, chainHashOf } from '@app/event-store';
import {
  BUNDLE_FORMAT,
  parseBundle,
  serializeBundle,
  type Bundle,
  type BundleCheckpoint,
  type BundleEvent,
} from './bundle';
import { checkpointDigest, signCheckpoint } from './checkpoints';
import { signSeal } from './seal';
import { keyIdOf, publicKeyPem, type AuditSigningKey } from './signing-key';
import { verifyBundle } from './verify-bundle';

const keyOf = (): AuditSigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
};
const key = keyOf();
const TRUSTED = publicKeyPem(key.publicKey);
const STREAM = 'organization-o1';
const EXPORTED_AT = '2026-02-01T00:00:00.000Z';

const jsonValue = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
const eventContent = fc.record({
  type: fc.constantFrom('MemberJoined', 'MemberRoleChanged', 'TeamCreated', 'PermissionsGranted'),
  data: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), jsonValue, { maxKeys: 4 }),
  actor: fc.uuid(),
});

/**
 * A bundle as the services and `export --sign` make it: `legacy` unchained events, then a chain, checkpoints on it
 * (the last at the head, signed at export), and the seal; `sealed: false` is an export without the key.
 */
function bundleOf(
  contents: { type: string; data: Record<string, unknown>; actor: string }[],
  legacy: number,
  signedAt: number[],
  options: { sealed?: boolean; stampOf?: (revision: number) => string } = {},
): Bundle {
  let previous: string | undefined;
  const events: BundleEvent[] = contents.map((c, i) => {
    const metadata: Record<string, unknown> = {
      actor: c.actor,
      correlationId: `c${i}`,
      schemaVersion: 1,
      commandId: `k${i}`,
    };
    const data = {
      ...c.data,
      at: options.stampOf?.(i) ?? new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    };
    if (i >= legacy) {
      previous = chainHashOf(previous, { type: c.type, data, metadata, revision: BigInt(i) });
      metadata[CHAIN_HASH_FIELD] = previous;
    }
    return { kind: 'event', stream: STREAM, revision: String(i), type: c.type, data, metadata };
  });
  const checkpoints: BundleCheckpoint[] = [];
  for (const r of [...new Set([...signedAt, contents.length - 1])]
    .filter((r) => r >= legacy)
    .sort((a, b) => a - b)) {
    const before = checkpoints[checkpoints.length - 1];
    checkpoints.push({
      kind: 'checkpoint',
      ...signCheckpoint(
        {
          stream: STREAM,
          revision: String(r),
          hash: events[r]!.metadata[CHAIN_HASH_FIELD] as string,
          at: EXPORTED_AT,
          keyId: key.keyId,
          sequence: checkpoints.length,
          previous: before ? checkpointDigest(before) : '',
        },
        key,
      ),
    });
  }
  const seal =
    options.sealed === false
      ? undefined
      : signSeal(
          {
            org: 'o1',
            exportedAt: EXPORTED_AT,
            streams: [
              {
                stream: STREAM,
                events: events.length,
                firstCheckpoint: 0,
                lastCheckpoint: checkpoints.length - 1,
              },
            ],
          },
          key,
        );
  return {
    header: {
      kind: 'bundle',
      format: BUNDLE_FORMAT,
      org: 'o1',
      streams: [STREAM],
      exportedAt: EXPORTED_AT,
      publicKey: TRUSTED,
      keyId: key.keyId,
    },
    events,
    checkpoints,
    ...(seal ? { seal } : {}),
  };
}

/** Bundles of streams chained from their first event, or (`withLegacy`) from somewhere in their first half. */
const bundlesOf = (withLegacy: boolean) =>
  fc
    .tuple(
      fc.array(eventContent, { minLength: 2, maxLength: 30 }),
      fc.nat(),
      fc.array(fc.nat(), { maxLength: 4 }),
    )
    .map(([contents, legacy, signed]) =>
      bundleOf(
        contents,
        withLegacy ? legacy % Math.ceil(contents.length / 2) : 0,
        signed.map((s) => s % contents.length),
      ),
    );

type Line = Record<string, unknown>;
/** One tampering of a bundle's lines (header first): each changes what the bundle says happened. */
const tamperings = fc.oneof(
  fc.record({
    op: fc.constant('change-data'),
    at: fc.nat(),
    value: fc.string({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ op: fc.constant('change-type'), at: fc.nat() }),
  fc.record({ op: fc.constant('change-actor'), at: fc.nat(), value: fc.uuid() }),
  fc.record({ op: fc.constant('change-revision'), at: fc.nat(), by: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ op: fc.constant('delete'), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate'), at: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('insert-forged'), to: fc.nat(), content: eventContent }),
  fc.record({ op: fc.constant('swap'), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('truncate'), count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({
    op: fc.constant('change-checkpoint'),
    at: fc.nat(),
    field: fc.constantFrom('hash', 'revision', 'signature', 'at', 'sequence', 'previous'),
  }),
  fc.record({ op: fc.constant('cut-to-checkpoint'), at: fc.nat() }),
  fc.record({ op: fc.constant('drop-checkpoint'), at: fc.nat() }),
  fc.record({ op: fc.constant('drop-seal') }),
  fc.record({ op: fc.constant('change-seal'), field: fc.constantFrom('events', 'exportedAt', 'org') }),
  fc.record({
    op: fc.constant('change-header'),
    field: fc.constantFrom('streams', 'org', 'publicKey', 'keyId'),
  }),
  fc.record({ op: fc.constant('extra-field'), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate-key'), at: fc.nat() }),
  fc.record({ op: fc.constant('respell-revision'), at: fc.nat() }),
);

function tamper(bundle: Bundle, t: fc.Arbitrary<unknown> extends never ? never : Line): string {
  const events: Line[] = bundle.events.map((e) => structuredClone(e) as unknown as Line);
  let checkpoints: Line[] = bundle.checkpoints.map((c) => ({ ...c }));
  let seal: Line | undefined = bundle.seal ? (structuredClone(bundle.seal) as unknown as Line) : undefined;
  const header: Line = structuredClone(bundle.header) as unknown as Line;
  const n = events.length;
  const pick = (i: number) => events[i % n]!;
  switch (t.op) {
    case 'change-data': {
      const e = pick(t.at as number);
      const data = e.data as Record<string, unknown>;
      data.tampered = data.tampered === t.value ? `${t.value as string}!` : t.value;
      break;
    }
    case 'change-type':
      pick(t.at as number).type = `${pick(t.at as number).type as string}X`;
      break;
    case 'change-actor': {
      const metadata = pick(t.at as number).metadata as Record<string, unknown>;
      metadata.actor = metadata.actor === t.value ? `${t.value as string}0` : t.value;
      break;
    }
    case 'change-revision': {
      const e = pick(t.at as number);
      e.revision = String(Number(e.revision) + (t.by as number));
      break;
    }
    case 'delete':
      events.splice((t.at as number) % n, 1);
      break;
    case 'duplicate':
      events.splice((t.to as number) % (n + 1), 0, structuredClone(pick(t.at as number)));
      break;
    case 'insert-forged': {
      const c = t.content as { type: string; data: Record<string, unknown>; actor: string };
      const at = (t.to as number) % (n + 1);
      events.splice(at, 0, {
        kind: 'event',
        stream: STREAM,
        revision: String(at),
        type: c.type,
        data: c.data,
        metadata: { actor: c.actor, [CHAIN_HASH_FIELD]: 'f'.repeat(64) },
      });
      break;
    }
    case 'swap': {
      const a = (t.at as number) % n;
      let b = (t.with as number) % n;
      if (a === b) b = (b + 1) % n;
      [events[a], events[b]] = [events[b]!, events[a]!];
      break;
    }
    case 'truncate':
      events.splice(Math.max(0, n - (t.count as number)));
      break;
    case 'change-checkpoint': {
      const c = checkpoints[(t.at as number) % checkpoints.length]!;
      const field = t.field as string;
      c[field] =
        field === 'revision'
          ? String(Number(c.revision) === 0 ? 1 : Number(c.revision) - 1)
          : field === 'sequence'
            ? Number(c.sequence) + 1
            : `${c[field] as string}x`;
      break;
    }
    case 'cut-to-checkpoint': {
      // Back to an earlier signed state, the later checkpoints dropped with the events: consistent but for the seal.
      const keep = (t.at as number) % checkpoints.length;
      const last = Number(checkpoints[keep]!.revision);
      events.splice(last + 1);
      checkpoints = checkpoints.slice(0, keep + 1);
      if (events.length === n) events.pop();
      break;
    }
    case 'drop-checkpoint':
      checkpoints.splice((t.at as number) % checkpoints.length, 1);
      break;
    case 'drop-seal':
      seal = undefined;
      break;
    case 'change-seal': {
      const field = t.field as string;
      if (field === 'events') (seal!.streams as { events: number }[])[0]!.events -= 1;
      else seal![field] = `${seal![field] as string}x`;
      break;
    }
    case 'change-header': {
      const field = t.field as string;
      if (field === 'streams') header.streams = [];
      else if (field === 'org') header.org = 'o2';
      else if (field === 'keyId') header.keyId = keyOf().keyId;
      else header.publicKey = publicKeyPem(keyOf().publicKey);
      break;
    }
    case 'extra-field':
      pick(t.at as number).approvedBy = 'the CEO';
      break;
    case 'respell-revision':
      pick(t.at as number).revision = `0${pick(t.at as number).revision as string}`;
      break;
  }
  const lines = [header, ...events, ...checkpoints, ...(seal ? [seal] : [])].map((l) => JSON.stringify(l));
  if (t.op === 'duplicate-key') {
    // A key written twice: JavaScript reads the last, other parsers the first.
    const i = 1 + ((t.at as number) % n);
    lines[i] = lines[i]!.replace('"type":', '"type":"Forged","type":');
  }
  return lines.join('\n');
}

/** Detected: the bundle does not parse, or verify does not prove it against the trusted key (the CLI exits non-zero). */
function detected(text: string): boolean {
  try {
    return !verifyBundle(parseBundle(text), TRUSTED).proven;
  } catch {
    return true;
  }
}

describe('verify: tamper evidence of an exported bundle', () => {
  it('finds every one of 1,000 random tamperings: changed, deleted, inserted, reordered events, a cut tail, forged or dropped checkpoints, a changed seal or header', () => {
    // Events written before chains prove nothing (verify says from where it checks), so these streams are chained.
    const missed: unknown[] = [];
    fc.assert(
      fc.property(bundlesOf(false), tamperings, (bundle, t) => {
        if (!detected(tamper(bundle, t as Line))) missed.push(t);
      }),
      { numRuns: 1_000 },
    );
    expect(missed).toEqual([]);
  });

  it('raises no false alarm on 1,000 untampered bundles, and says from where each chain runs and up to where it is signed', () => {
    fc.assert(
      fc.property(bundlesOf(true), (bundle) => {
        const verdict = verifyBundle(parseBundle(serializeBundle(bundle)), TRUSTED);
        const chained = bundle.events.findIndex((e) => CHAIN_HASH_FIELD in e.metadata);
        expect(verdict).toMatchObject({
          intact: true,
          sealed: true,
          whollyChained: chained === 0,
          proven: chained === 0, // events before the chain are checked by nothing
          problems: [],
          keyId: key.keyId,
          streams: [
            {
              stream: STREAM,
              events: bundle.events.length,
              chainedFrom: chained,
              signedUpTo: bundle.events.length - 1,
            },
          ],
        });
      }),
      { numRuns: 1_000 },
    );
  });

  it('a blank line export never writes is named by its line in the file, and the bundle is not intact', () => {
    const bundle = bundleOf(
      Array.from({ length: 4 }, (_, i) => ({ type: 'TeamCreated', data: { n: i }, actor: 'a' })),
      0,
      [],
    );
    const text = serializeBundle(bundle);
    expect(verifyBundle(parseBundle(text), TRUSTED)).toMatchObject({ intact: true, proven: true });
    const lines = text.split('\n');
    const withBlank = [...lines.slice(0, 2), '', ...lines.slice(2)];
    // A line re-encoded after it is named by its own number in the file, not one less.
    withBlank[4] = withBlank[4]!.replace('{"kind"', '{ "kind"');
    const parsed = parseBundle(withBlank.join('\n'));
    expect(parsed.malformed).toEqual([
      'line 3 is empty, which export never writes',
      'line 5 is not written as export writes it',
    ]);
    expect(verifyBundle(parsed, TRUSTED)).toMatchObject({ intact: false, proven: false });
  });

  it('a line that is JSON but no object (null, a number, a list) is named by its line, header or not', () => {
    const lines = serializeBundle(
      bundleOf([{ type: 'TeamCreated', data: { n: 0 }, actor: 'a' }], 0, []),
    ).split('\n');
    for (const value of ['null', '7', '[]'])
      for (const at of [0, 2]) {
        const changed = [...lines];
        changed[at] = value;
        expect(() => parseBundle(changed.join('\n'))).toThrow(`line ${at + 1} is not a JSON object`);
      }
  });

  it('names the first bad revision of a changed event, and a tail cut after the last checkpoint', () => {
    const bundle = bundleOf(
      Array.from({ length: 10 }, (_, i) => ({ type: 'TeamCreated', data: { n: i }, actor: 'a' })),
      0,
      [4],
    );
    const changed = structuredClone(bundle);
    (changed.events[6]!.data as Record<string, unknown>).n = 60;
    expect(verifyBundle(changed).streams[0]!.firstBad).toEqual({
      revision: 6,
      reason: 'the event does not match its hash (changed, or its predecessor was)',
    });
    const cut = { ...bundle, events: bundle.events.slice(0, 8) };
    expect(verifyBundle(cut).streams[0]!.firstBad).toEqual({
      revision: 8,
      reason: 'truncated: a checkpoint signs revision 9, the bundle ends before it',
    });
    const swapped = { ...bundle, events: [...bundle.events] };
    [swapped.events[6], swapped.events[7]] = [swapped.events[7]!, swapped.events[6]!];
    expect(verifyBundle(swapped).streams[0]!.firstBad).toEqual({
      revision: 6,
      reason: 'revision 6 is out of order (revision 7 comes before it)',
    });
    const dropped = { ...bundle, events: bundle.events.filter((_, i) => i !== 6) };
    expect(verifyBundle(dropped).streams[0]!.firstBad).toEqual({
      revision: 6,
      reason: 'revision 6 is missing (the next event is 7)',
    });
  });

  it("R21: an organization's event stamped before the one before it is not intact, however well chained and signed (appended past the decider)", () => {
    const contents = Array.from({ length: 6 }, (_, i) => ({
      type: 'TeamCreated',
      data: { n: i },
      actor: 'a',
    }));
    const minute = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
    const backdated = bundleOf(contents, 0, [2], { stampOf: (i) => (i === 4 ? minute(1) : minute(i)) });
    const verdict = verifyBundle(backdated, TRUSTED);
    expect(verdict.streams[0]!.firstBad).toEqual({
      revision: 4,
      reason: 'stamped before the event before it: the organization never records an earlier time (R21)',
    });
    expect(verdict).toMatchObject({ intact: false, proven: false });
    // The same instant twice is no going back, nor is an instant written without its milliseconds.
    const sameInstant = bundleOf(contents, 0, [2], { stampOf: (i) => minute(Math.min(i, 3)) });
    expect(verifyBundle(sameInstant, TRUSTED)).toMatchObject({ intact: true, proven: true });
    const shortForm = bundleOf(contents, 0, [2], {
      stampOf: (i) => (i === 2 ? '2026-01-01T00:02:00Z' : i === 3 ? '2026-01-01T00:02:00.500Z' : minute(i)),
    });
    expect(verifyBundle(shortForm, TRUSTED)).toMatchObject({ intact: true, proven: true });
  });

  it('R21: an organization’s event stamped with no UTC instant is not intact (every roster’s time cut-off would miss it)', () => {
    const contents = Array.from({ length: 5 }, (_, i) => ({
      type: 'TeamCreated',
      data: { n: i },
      actor: 'a',
    }));
    const minute = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
    for (const stamp of ['soon', '2026-01-01T01:02:00+01:00', '2026-01-01 00:02:00', ''])
      expect(
        verifyBundle(bundleOf(contents, 0, [1], { stampOf: (i) => (i === 2 ? stamp : minute(i)) }), TRUSTED),
      ).toMatchObject({
        intact: false,
        streams: [
          {
            firstBad: {
              revision: 2,
              reason: 'not stamped with a UTC instant as the organization stamps its events (R21)',
            },
          },
        ],
      });
  });

  it('R21: an organization’s event stamped after the checkpoint that signed it is not intact (it would date every later event)', () => {
    const contents = Array.from({ length: 6 }, (_, i) => ({
      type: 'TeamCreated',
      data: { n: i },
      actor: 'a',
    }));
    const minute = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();
    // One event dated 9999, appended past the decider; the decider stamps every later one no earlier.
    const future = bundleOf(contents, 0, [1, 4], {
      stampOf: (i) => (i >= 3 ? '9999-12-31T00:00:00.000Z' : minute(i)),
    });
    expect(verifyBundle(future, TRUSTED)).toMatchObject({
      intact: false,
      streams: [
        { firstBad: { revision: 3, reason: expect.stringMatching(/dated ahead of its time \(R21\)$/) } },
      ],
    });
    // Within the clocks' allowed difference it is not.
    const close = bundleOf(contents, 0, [1, 4], {
      stampOf: (i) => (i === 5 ? '2026-02-01T00:04:00.000Z' : minute(i)),
    });
    expect(verifyBundle(close, TRUSTED)).toMatchObject({ intact: true, proven: true });
  });

  it('a chain rewritten from an event on, hashes recomputed, is caught by the signed checkpoint after it', () => {
    const contents = Array.from({ length: 10 }, (_, i) => ({
      type: 'TeamCreated',
      data: { n: i },
      actor: 'a',
    }));
    const original = bundleOf(contents, 0, [3]);
    const forged = bundleOf(
      contents.map((c, i) => (i === 5 ? { ...c, data: { n: 500 } } : c)),
      0,
      [],
    );
    const rewritten = { ...forged, checkpoints: original.checkpoints };
    expect(verifyBundle(rewritten).streams[0]!.firstBad).toEqual({
      revision: 4,
      reason: 'the chain differs from the one signed at revision 9: an event in 4..9 was rewritten',
    });
  });

  it('a bundle signed with another key than the trusted one is refused; one with no checkpoint proves nothing', () => {
    const bundle = bundleOf(
      [
        { type: 'TeamCreated', data: {}, actor: 'a' },
        { type: 'TeamCreated', data: {}, actor: 'b' },
      ],
      0,
      [],
    );
    expect(verifyBundle(bundle, publicKeyPem(key.publicKey)).intact).toBe(true);
    expect(verifyBundle(bundle, publicKeyPem(keyOf().publicKey))).toMatchObject({
      intact: false,
      trustedKey: false,
    });
    // Checkpoints stripped from a sealed bundle: the seal counted them.
    expect(
      verifyBundle({ ...bundle, checkpoints: [] }, publicKeyPem(key.publicKey)).streams[0]!.firstBad?.reason,
    ).toMatch(/the seal counts checkpoints/);
    // Not signed yet (a new organization, exported unsealed): nothing found altered, and nothing proven either.
    const { seal: _seal, ...unsealed } = bundle;
    const unsigned: Bundle = { ...unsealed, checkpoints: [] };
    const verdict = verifyBundle(unsigned, publicKeyPem(key.publicKey));
    expect(verdict.streams[0]!.firstBad).toBeUndefined();
    expect(verdict.streams[0]!.unproven).toMatch(/no signed checkpoint/);
    expect([verdict.intact, verdict.proven]).toEqual([true, false]);
  });

  const tenEvents = Array.from({ length: 10 }, (_, i) => ({
    type: 'TeamCreated',
    data: { n: i },
    actor: 'a',
  }));

  it('a sealed bundle cut back to an earlier checkpoint, later checkpoints dropped too, is caught by the seal', () => {
    const bundle = bundleOf(tenEvents, 0, [4]);
    const cut: Bundle = {
      ...bundle,
      events: bundle.events.slice(0, 5),
      checkpoints: bundle.checkpoints.slice(0, 1),
    };
    expect(verifyBundle(cut, TRUSTED)).toMatchObject({
      intact: false,
      proven: false,
      streams: [
        { firstBad: { revision: 5, reason: 'truncated: the seal counts 10 events, the bundle holds 5' } },
      ],
    });
    const lastCheckpointDropped: Bundle = { ...bundle, checkpoints: bundle.checkpoints.slice(0, 1) };
    expect(verifyBundle(lastCheckpointDropped, TRUSTED).streams[0]!.firstBad?.reason).toBe(
      'the seal counts checkpoints 0..1, the bundle holds 0..0',
    );
  });

  it('an unsealed bundle is intact but not proven: the same cut would look like an honest older export', () => {
    const unsealed = bundleOf(tenEvents, 0, [4], { sealed: false });
    expect(verifyBundle(unsealed, TRUSTED)).toMatchObject({ intact: true, sealed: false, proven: false });
    const cut: Bundle = {
      ...unsealed,
      events: unsealed.events.slice(0, 5),
      checkpoints: unsealed.checkpoints.slice(0, 1),
    };
    expect(verifyBundle(cut, TRUSTED)).toMatchObject({ intact: true, sealed: false, proven: false });
  });

  it('without a trusted key nothing is proven: anyone can make a bundle that checks under its own key', () => {
    const bundle = bundleOf(tenEvents, 0, []);
    expect(verifyBundle(bundle)).toMatchObject({ intact: true, sealed: true, proven: false });
    expect(verifyBundle(bundle).trustedKey).toBeUndefined();
    expect(verifyBundle(bundle, TRUSTED)).toMatchObject({ proven: true, trustedKey: true });
  });

  it("a bundle without its organization's stream, or listing none, is not intact", () => {
    const bundle = bundleOf(tenEvents, 0, [], { sealed: false });
    const none: Bundle = {
      ...bundle,
      header: { ...bundle.header, streams: [] },
      events: [],
      checkpoints: [],
    };
    expect(verifyBundle(none, TRUSTED)).toMatchObject({
      intact: false,
      problems: [
        'the bundle lists no stream',
        "the bundle does not hold its organization's stream organization-o1",
      ],
      streams: [],
    });
    const otherOrg: Bundle = { ...bundle, header: { ...bundle.header, org: 'o2' } };
    expect(verifyBundle(otherOrg, TRUSTED).problems).toEqual([
      "the bundle does not hold its organization's stream organization-o2",
    ]);
  });

  it('a stream with no hash at all proves nothing; a checkpoint missing from the middle is not intact', () => {
    const legacy = bundleOf(tenEvents, 10, [], { sealed: false });
    expect(legacy.checkpoints).toEqual([]);
    const legacyVerdict = verifyBundle(legacy, TRUSTED);
    expect(legacyVerdict.streams[0]).toMatchObject({
      unproven: 'no event carries a hash: nothing in this stream can be proven',
    });
    expect(legacyVerdict.streams[0]!.firstBad).toBeUndefined();
    expect(legacyVerdict.proven).toBe(false);
    // Every hash stripped from a signed stream: its checkpoints say there was a chain.
    const signed = bundleOf(tenEvents, 0, [2, 5]);
    const stripped: Bundle = {
      ...signed,
      events: signed.events.map((e) => ({ ...e, metadata: withoutHash(e.metadata) })),
    };
    expect(verifyBundle(stripped, TRUSTED).streams[0]!.firstBad).toEqual({
      revision: 0,
      reason: 'checkpoints sign a chain, but no event carries a hash (stripped)',
    });
    const bundle = bundleOf(tenEvents, 0, [2, 5]);
    const gap: Bundle = { ...bundle, checkpoints: [bundle.checkpoints[0]!, bundle.checkpoints[2]!] };
    expect(verifyBundle(gap, TRUSTED).streams[0]!.firstBad).toEqual({
      revision: 9,
      reason: 'checkpoints 1..1 are missing',
    });
  });
});

function withoutHash(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  const { [CHAIN_HASH_FIELD]: _hash, ...rest } = metadata ?? {};
  return rest;
}
