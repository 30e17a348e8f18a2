import { isIPv6 } from 'node:net';

/**
 * Who a request comes from, as the rate limits and identity's sign-in throttle count it: an IPv4 address (also when
 * an IPv6 address carries it, `::ffff:203.0.113.7`, `64:ff9b::203.0.113.7`), or an IPv6 address's /64. One IPv6 client is handed a whole /64 (a
 * home line, a cloud instance), so counting its addresses one by one would let it start afresh on every request.
 */
export function clientAddress(req: { ip?: string; socket?: { remoteAddress?: string } }): string {
  return limitKeyOf(req.ip ?? req.socket?.remoteAddress ?? 'unknown');
}

export function limitKeyOf(address: string): string {
  const withoutZone = address.split('%')[0]!;
  if (!isIPv6(withoutZone)) return address.slice(0, 64);
  const groups = ipv6Groups(withoutZone.toLowerCase());
  const [high, low] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
  const embedded = groups.slice(0, 6).join(':');
  // `::` and `::1` are no IPv4 client; every other address of `::/96` is one written the old IPv4-compatible way.
  const unspecifiedOrLoopback = embedded === '0:0:0:0:0:0' && high === 0 && low <= 1;
  if (CARRIES_IPV4.has(embedded) && !unspecifiedOrLoopback)
    return [high >> 8, high & 255, low >> 8, low & 255].join('.');
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/**
 * The /96 prefixes whose addresses carry an IPv4 client in their last 32 bits: IPv4-mapped, IPv4-translated (SIIT),
 * the NAT64 well-known prefix, IPv4-compatible. Behind a translator every IPv4 client would otherwise be one /64.
 */
const CARRIES_IPV4: ReadonlySet<string> = new Set([
  '0:0:0:0:0:ffff',
  '0:0:0:0:ffff:0',
  '64:ff9b:0:0:0:0',
  '0:0:0:0:0:0',
]);

/** The eight 16-bit groups of a valid IPv6 address, in hex without leading zeros (`::` and a dotted tail expanded). */
function ipv6Groups(address: string): string[] {
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  let text = address;
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((group) => parseInt(group, 16).toString(16));
}
