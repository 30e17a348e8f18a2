import { type SignedCheckpoint } from './checkpoints';

export const BUNDLE_FORMAT = 'identity-platform-audit-bundle/1';

/** The first line of a bundle. */
export interface BundleHeader {
  readonly kind: 'bundle';
  readonly format: typeof BUNDLE_FORMAT;
  readonly org: string;
  readonly streams: readonly string[];
  readonly exportedAt: string;
  /** The checkpoints' Ed25519 public key (SPKI PEM) and its fingerprint, to compare with the one the operator published. */
  readonly publicKey: string;
  readonly keyId: string;
}

/**
 * One recorded event: exactly the fields its hash covers, nothing else, so nothing in a bundle goes unchecked. Its
 * time is `data.at`, which the hash covers (the store's own record time does not, so it is left out).
 */
export interface BundleEvent {
  readonly kind: 'event';
  readonly stream: string;
  readonly revision: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
}

export interface BundleCheckpoint extends SignedCheckpoint {
  readonly kind: 'checkpoint';
}

/**
 * What a sealed export holds of one stream: its events, and its checkpoints by number, the last of which signs the
 * last event (checkpoints before `firstCheckpoint` were signed with an earlier key).
 */
export interface SealedStream {
  readonly stream: string;
  readonly events: number;
  readonly firstCheckpoint: number;
  readonly lastCheckpoint: number;
}

/**
 * The last line of an export signed by an operator (`export --sign`): the organization, the moment, every stream and
 * how much of each the bundle holds, signed. Without it a bundle cut back to an earlier checkpoint, its later
 * checkpoints dropped too, would look like an honest older export.
 */
export interface BundleSeal {
  readonly kind: 'seal';
  readonly org: string;
  readonly exportedAt: string;
  readonly streams: readonly SealedStream[];
  readonly keyId: string;
  /** Ed25519 over the canonical JSON of the other fields (without `kind`), base64. */
  readonly signature: string;
}

export interface Bundle {
  readonly header: BundleHeader;
  readonly events: BundleEvent[];
  readonly checkpoints: BundleCheckpoint[];
  readonly seal?: BundleSeal;
  /** Lines not exactly as `export` writes them (parsed from text only): `verify` reports each as a problem. */
  readonly malformed?: readonly string[];
}

/** The fields each kind of line has, no more and no fewer (a seal's and header's checked the same way). */
const FIELDS: Record<string, readonly string[]> = {
  bundle: ['kind', 'format', 'org', 'streams', 'exportedAt', 'publicKey', 'keyId'],
  event: ['kind', 'stream', 'revision', 'type', 'data', 'metadata'],
  checkpoint: ['kind', 'stream', 'revision', 'hash', 'at', 'keyId', 'sequence', 'previous', 'signature'],
  seal: ['kind', 'org', 'exportedAt', 'streams', 'keyId', 'signature'],
};

/**
 * What is wrong with a line's form: it must be the very text JSON.stringify makes of what it holds (so no doubled
 * keys, which parsers read differently, no other spelling of a number, no padding), with its kind's fields only,
 * and revisions and sequence numbers as plain decimal digits.
 */
function formProblem(line: string, parsed: Record<string, unknown>): string | undefined {
  if (JSON.stringify(parsed) !== line) return 'is not written as export writes it';
  const fields = FIELDS[String(parsed.kind)];
  if (!fields) return undefined;
  const keys = Object.keys(parsed);
  if (keys.length !== fields.length || keys.some((k) => !fields.includes(k)))
    return `has other fields than a ${String(parsed.kind)} line`;
  if (
    'revision' in parsed &&
    !(typeof parsed.revision === 'string' && /^(0|[1-9]\d*)$/.test(parsed.revision))
  )
    return 'has a revision that is not a decimal number';
  if ('sequence' in parsed && !Number.isSafeInteger(parsed.sequence))
    return 'has a sequence that is not a number';
  return undefined;
}

const ORGANIZATION_STREAM_PREFIX = 'organization-';

/** The stream an organization's history lives in: a bundle of an organization must hold it. */
export function organizationStreamOf(orgId: string): string {
  return `${ORGANIZATION_STREAM_PREFIX}${orgId}`;
}

/** Whether a stream holds an organization's history (its events are stamped in order, R21). */
export function isOrganizationStream(stream: string): boolean {
  return stream.startsWith(ORGANIZATION_STREAM_PREFIX);
}

export class BundleFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleFormatError';
  }
}

/**
 * A bundle is JSON lines: the header, then the events of each stream in revision order, then the checkpoints, then
 * the seal when there is one.
 */
export function serializeBundle(bundle: Bundle): string {
  const lines = [
    bundle.header,
    ...bundle.events,
    ...bundle.checkpoints,
    ...(bundle.seal ? [bundle.seal] : []),
  ];
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

/** Parses a bundle's lines; a line that is not JSON, or of no known kind, is a format error naming the line. */
export function parseBundle(text: string): Bundle {
  // Numbered as in the file: a blank line export never writes is named as malformed, not passed over.
  const numbered = (text.endsWith('\n') ? text.slice(0, -1) : text)
    .split('\n')
    .map((line, i) => ({ line, number: i + 1 }));
  const blank = numbered.filter(({ line }) => line === '').map(({ number }) => number);
  const lines = numbered.filter(({ line }) => line !== '').map(({ line }) => line);
  const numberOf = numbered.filter(({ line }) => line !== '').map(({ number }) => number);
  if (lines.length === 0) throw new BundleFormatError('the bundle is empty');
  const parsed = lines.map((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new BundleFormatError(`line ${numberOf[i]} is not JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new BundleFormatError(`line ${numberOf[i]} is not a JSON object`);
    return value as { kind?: unknown };
  });
  const header = parsed[0] as Partial<BundleHeader>;
  if (header.kind !== 'bundle' || header.format !== BUNDLE_FORMAT)
    throw new BundleFormatError(`line 1 is not a ${BUNDLE_FORMAT} header`);
  if (typeof header.publicKey !== 'string' || !Array.isArray(header.streams))
    throw new BundleFormatError('the header lacks the public key or the stream list');
  const events: BundleEvent[] = [];
  const checkpoints: BundleCheckpoint[] = [];
  let seal: BundleSeal | undefined;
  const malformed: string[] = blank.map((number) => `line ${number} is empty, which export never writes`);
  parsed.forEach((line, i) => {
    const problem = formProblem(lines[i]!, line as Record<string, unknown>);
    if (problem) malformed.push(`line ${numberOf[i]} ${problem}`);
  });
  parsed.slice(1).forEach((line, i) => {
    if (line.kind === 'event') events.push(line as BundleEvent);
    else if (line.kind === 'checkpoint') checkpoints.push(line as BundleCheckpoint);
    else if (line.kind === 'seal' && !seal && i === parsed.length - 2) seal = line as BundleSeal;
    else if (line.kind === 'seal')
      throw new BundleFormatError(`line ${numberOf[i + 1]}: a seal comes once, last`);
    else throw new BundleFormatError(`line ${numberOf[i + 1]} is neither an event, a checkpoint nor a seal`);
  });
  return { header: header as BundleHeader, events, checkpoints, ...(seal ? { seal } : {}), malformed };
}
