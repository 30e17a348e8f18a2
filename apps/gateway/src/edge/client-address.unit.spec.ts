import { clientAddress, limitKeyOf } from './client-address';

describe('the address a caller is counted by (rate limits, sign-in throttle)', () => {
  it('an IPv4 address as it is, also when written IPv4-mapped', () => {
    expect(limitKeyOf('203.0.113.7')).toBe('203.0.113.7');
    expect(limitKeyOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(limitKeyOf('::FFFF:cb00:7107')).toBe('203.0.113.7');
    // Behind a translator: SIIT, NAT64's well-known prefix, the old IPv4-compatible form.
    expect(limitKeyOf('::ffff:0:203.0.113.7')).toBe('203.0.113.7');
    expect(limitKeyOf('64:ff9b::203.0.113.7')).toBe('203.0.113.7');
    expect(limitKeyOf('64:ff9b::198.51.100.9')).toBe('198.51.100.9');
    expect(limitKeyOf('::203.0.113.7')).toBe('203.0.113.7');
    expect(limitKeyOf('64:ff9b:1::203.0.113.7')).toBe('64:ff9b:1:0::/64');
  });

  it('an IPv6 address by its /64: every address a client is handed counts as one', () => {
    const key = '2001:db8:85a3:12::/64';
    expect(limitKeyOf('2001:db8:85a3:12::1')).toBe(key);
    expect(limitKeyOf('2001:0db8:85a3:0012:ffff:ffff:ffff:fffe')).toBe(key);
    expect(limitKeyOf('2001:DB8:85A3:12:abcd::')).toBe(key);
    expect(limitKeyOf('2001:db8:85a3:12:0:0:1.2.3.4')).toBe(key);
    expect(limitKeyOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(limitKeyOf('::1')).toBe('0:0:0:0::/64');
    expect(limitKeyOf('::')).toBe('0:0:0:0::/64');
    expect(limitKeyOf('2001:db8:85a3:13::1')).not.toBe(key);
    expect(limitKeyOf('2001:db8::85a3:12:0:1')).toBe('2001:db8:0:0::/64');
  });

  it('what is no address (a socket without one) as it is, bounded', () => {
    expect(limitKeyOf('unknown')).toBe('unknown');
    expect(limitKeyOf('x'.repeat(100))).toHaveLength(64);
    expect(clientAddress({ socket: { remoteAddress: '2001:db8:1:2::9' } })).toBe('2001:db8:1:2::/64');
    expect(clientAddress({})).toBe('unknown');
  });
});
