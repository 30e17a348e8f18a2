import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** The metadata field that carries an event's link in its stream's hash chain. */
export const CHAIN_HASH_FIELD = 'chainHash';

export interface ChainedContent {
  readonly type: string;
  readonly data: unknown;
  /** The event's metadata; its own `chainHash`, if present, is left out of the hash. */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly revision: bigint;
}

/**
 * Tamper evidence: each event's hash covers the previous event's hash and its own canonical content (type, data,
 * metadata without the hash, revision), so changing, removing, inserting or reordering any event breaks every link
 * after it. The first chained event of a stream links to the empty string. Canonical JSON (keys sorted) makes the hash
 * independent of how a store or an export orders object keys.
 */
export function chainHashOf(previous: string | undefined, event: ChainedContent): string {
  const content = canonicalJson(
    { type: event.type, data: event.data, metadata: event.metadata, revision: event.revision.toString() },
    'metadata',
    CHAIN_HASH_FIELD,
  );
  return createHash('sha256')
    .update(`${previous ?? ''}\n${content}`)
    .digest('hex');
}
