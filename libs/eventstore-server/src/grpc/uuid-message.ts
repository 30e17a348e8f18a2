import { hyphenatedUuid } from '../storage/uuid-text';
import { sharedPb } from './generated';

/** UUIDs arrive as a string or as two signed 64-bit halves (the "structured" form); we keep the canonical string. */
export function uuidFromMessage(message: InstanceType<typeof sharedPb.UUID> | undefined): string | undefined {
  if (!message) return undefined;
  if (message.hasString()) return canonicalUuid(message.getString());
  if (message.hasStructured()) {
    const s = message.getStructured()!;
    return uuidFromHalves(BigInt(s.getMostSignificantBits()), BigInt(s.getLeastSignificantBits()));
  }
  return undefined;
}

/**
 * A UUID given as a string, in the canonical lower-case hyphenated form. EventStoreDB parses it as a .NET Guid, so
 * the forms that takes (32 digits, hyphenated, in braces or parentheses) are the same id; anything else is kept as
 * given, for the append to refuse (`isCanonicalUuid`).
 */
export function canonicalUuid(text: string): string {
  if (isCanonicalUuid(text)) return text;
  const wrapped = /^\{.*\}$|^\(.*\)$/s.test(text);
  const inner = wrapped ? text.slice(1, -1) : text;
  // Braces and parentheses hold the hyphenated form only.
  const hex = HYPHENATED.test(inner)
    ? inner.replace(/-/g, '')
    : !wrapped && /^[0-9a-f]{32}$/i.test(inner)
      ? inner
      : undefined;
  return hex === undefined ? text : hyphenatedUuid(hex.toLowerCase());
}

const HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lower-case hex digits, hyphenated 8-4-4-4-12. Checked for every id an append carries, so without a regex. */
export function isCanonicalUuid(id: string): boolean {
  if (id.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    const hyphen = i === 8 || i === 13 || i === 18 || i === 23;
    if (hyphen ? c !== HYPHEN : !((c >= DIGIT_0 && c <= DIGIT_9) || (c >= LOWER_A && c <= LOWER_F)))
      return false;
  }
  return true;
}

const [HYPHEN, DIGIT_0, DIGIT_9, LOWER_A, LOWER_F] = [0x2d, 0x30, 0x39, 0x61, 0x66];

/** The canonical string of a UUID given as its two 64-bit halves, signed or not. */
export function uuidFromHalves(high: bigint, low: bigint): string {
  return hyphenatedUuid(
    BigInt.asUintN(64, high).toString(16).padStart(16, '0') +
      BigInt.asUintN(64, low).toString(16).padStart(16, '0'),
  );
}

export function uuidMessage(id: string): InstanceType<typeof sharedPb.UUID> {
  return new sharedPb.UUID().setString(id);
}

export function streamIdentifier(name: string): InstanceType<typeof sharedPb.StreamIdentifier> {
  return new sharedPb.StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));
}

export function streamNameOf(identifier: InstanceType<typeof sharedPb.StreamIdentifier> | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}
