/**
 * JSON with object keys sorted (by UTF-16 code units, as RFC 8785 does), so equal content always serializes alike:
 * what event hashes are computed over. Same output as fast-json-stable-stringify (undefined members skipped, undefined
 * array items as null, `toJSON` honoured), about twice as fast, which `verify` over 200k events needs. `omit` leaves
 * out one member of the top-level object's `skipIn` child (the event's own hash in its metadata) without a copy.
 */
export function canonicalJson(value: unknown, skipIn?: string, omit?: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return canonicalJson(withJson.toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++)
      out += (i ? ',' : '') + (value[i] === undefined ? 'null' : canonicalJson(value[i]));
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    if (out.length > 1) out += ',';
    out += quoted(key);
    out +=
      typeof member === 'string'
        ? JSON.stringify(member)
        : key === skipIn
          ? canonicalOmitting(member, omit)
          : canonicalJson(member);
  }
  return out + '}';
}

/** Member names repeat from event to event: quote each once. */
const quotedKeys = new Map<string, string>();
function quoted(key: string): string {
  let text = quotedKeys.get(key);
  if (text === undefined) {
    text = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < 10_000) quotedKeys.set(key, text);
  }
  return text;
}

function canonicalOmitting(value: unknown, omit: string | undefined): string {
  if (omit === undefined || value === null || typeof value !== 'object' || Array.isArray(value))
    return canonicalJson(value);
  const { [omit]: _omitted, ...rest } = value as Record<string, unknown>;
  return canonicalJson(rest);
}
