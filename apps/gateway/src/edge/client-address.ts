import { isIPv4, isIPv6 } from 'node:net';

/**
 * Who a request comes from, as the rate limits and identity's sign-in throttle count it: an IPv4 address (also when
 * written IPv4-mapped, `::ffff:203.0.113.7`), or an IPv6 address's /64. One IPv6 client is handed a whole /64 (a
 * home line, a cloud instance), so counting its addresses one by one would let it start afresh on every request.
 */
export function clientAddress(req: { ip?: string; socket?: { remoteAddress?: string } }): string {
  return limitKeyOf(req.ip ?? req.socket?.remoteAddress ?? 'unknown');
}

export function limitKeyOf(address: string): string {
  const withoutZone = address.split('%')[0]!;
  if (!isIPv6(withoutZone)) return address.slice(0, 64);
  const groups = ipv6Groups(withoutZone.toLowerCase());
  const mapped = groups.slice(0, 6).join(':') === '0:0:0:0:0:ffff';
  if (mapped) {
    const [high, low] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
    const v4 = [high >> 8, high & 255, low >> 8, low & 255].join('.');
    if (isIPv4(v4)) return v4;
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

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
