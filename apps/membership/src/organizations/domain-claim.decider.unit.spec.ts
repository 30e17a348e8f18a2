import { deciderSpec } from '@app/testing';
import { domainClaimDecider, normalizeDomain, type DomainClaimEvent } from './domain-claim.decider';

const domain = 'example.com';
const registeredAt = '2026-01-01T00:00:00.000Z';
const registered = (orgId: string, at = registeredAt): DomainClaimEvent => ({
  type: 'DomainClaimRegistered',
  data: { domain, orgId, at },
});
const later = '2026-01-01T00:01:00.000Z';

const { given } = deciderSpec(domainClaimDecider);

describe('domain claim decider (R16)', () => {
  it('registers an unheld domain, and refuses it to another organization while held', () => {
    given([])
      .when({ type: 'RegisterClaim', domain, orgId: 'a', at: registeredAt })
      .then([registered('a')]);
    given([registered('a')])
      .when({ type: 'RegisterClaim', domain, orgId: 'b', at: later })
      .thenRefuses('domain-claimed', { domain });
  });

  it('renews the holder’s own registration, so its age is that of the newest claim', () => {
    const renewal = given([registered('a')]).when({ type: 'RegisterClaim', domain, orgId: 'a', at: later });
    renewal.then([registered('a', later)]);
    expect(renewal.state()).toEqual({ orgId: 'a', registeredAt: later });
  });

  it('releases only the holder’s claim; a release by anyone else, or of an unheld domain, is no change', () => {
    const release = given([registered('a')]).when({ type: 'ReleaseClaim', domain, orgId: 'a', at: later });
    release.then([{ type: 'DomainClaimReleased', data: { domain, orgId: 'a', at: later } }]);
    expect(release.state()).toStrictEqual({ orgId: undefined, registeredAt: undefined });
    expect(given([]).state()).toStrictEqual({ orgId: undefined, registeredAt: undefined });
    given([registered('a')])
      .when({ type: 'ReleaseClaim', domain, orgId: 'b', at: later })
      .then([]);
    given([]).when({ type: 'ReleaseClaim', domain, orgId: 'a', at: later }).then([]);
  });

  it('releases a stale registration (made before the instant given), and keeps one made at or after it', () => {
    const stale = { type: 'ReleaseClaim' as const, domain, orgId: 'a', at: later };
    given([registered('a')])
      .when({ ...stale, registeredBefore: '2026-01-01T00:00:00.001Z' })
      .thenTypes(['DomainClaimReleased']);
    given([registered('a')])
      .when({ ...stale, registeredBefore: registeredAt })
      .then([]);
    given([registered('a'), registered('a', later)])
      .when({ ...stale, registeredBefore: '2026-01-01T00:00:30.000Z' })
      .then([]);
  });

  it('normalizes a domain name and rejects what is not one', () => {
    expect(normalizeDomain('  @Example.COM ')).toBe('example.com');
    expect(normalizeDomain('mail.a-b.example.com')).toBe('mail.a-b.example.com');
    expect(normalizeDomain('x.example.com')).toBe('x.example.com');
    for (const notADomain of [
      'localhost',
      'a.b',
      'mail@example.com',
      '-bad.example.com',
      'bad-.example.com',
      'example.com-',
      `${'a'.repeat(60)}.`.repeat(5) + 'com', // longer than 253
    ])
      expect(normalizeDomain(notADomain)).toBeUndefined();
  });
});
