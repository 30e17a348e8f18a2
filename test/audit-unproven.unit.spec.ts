import { type BundleVerdict } from '@app/audit';
import { unprovenReasons } from '../scripts/audit/bundle-file';

describe('why an intact bundle proves less than everything', () => {
  const verdict = (streams: BundleVerdict['streams'], more: Partial<BundleVerdict> = {}): BundleVerdict =>
    ({
      intact: true,
      sealed: false,
      whollyChained: true,
      proven: false,
      keyId: 'k',
      trustedKey: true,
      streams,
      ...more,
    }) as BundleVerdict;

  it('names the revisions no checkpoint signs, which an answer from the bundle may rest on', () => {
    expect(
      unprovenReasons(
        verdict([
          { stream: 'organization-o1', events: 5, chainedFrom: 0, signedUpTo: 2 },
          { stream: 'role-defaults', events: 3, chainedFrom: 0, signedUpTo: 2 },
        ]),
      ),
    ).toEqual([
      'the bundle is not sealed (export --sign), so a tail cut back to a checkpoint would not show',
      'revisions 3..4 of organization-o1 are chained but no checkpoint signs them: what rests on them could be forged',
    ]);
    expect(
      unprovenReasons(verdict([{ stream: 'organization-o1', events: 5, signedUpTo: 4 }], { proven: true })),
    ).toEqual([]);
  });
});
