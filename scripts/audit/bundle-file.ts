import { readFile } from 'node:fs/promises';
import { printable } from '@app/text';
import {
  BundleFormatError,
  organizationStreamOf,
  parseBundle,
  readPublicKey,
  verifyBundle,
  type Bundle,
  type BundleVerdict,
} from '@app/audit';
import { metadataOf } from '@app/event-store';
import { type OrganizationEvent } from '../../apps/membership/src/organizations/organization.events';
import { CliError } from './cli-error';
import { type OrganizationRecord } from './organization-stream';

/** A bundle file read and checked offline, with the trusted public key when the auditor gives one. */
export async function readBundleFile(
  path: string,
  trustedKeyFile: string | undefined,
): Promise<{ bundle: Bundle; verdict: BundleVerdict }> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new CliError(`${path}: cannot read the bundle (${whyUnreadable(error)})`);
  });
  const trusted = trustedKeyFile
    ? await readFile(trustedKeyFile, 'utf8').catch((error: unknown) => {
        throw new CliError(
          `${trustedKeyFile}: cannot read the public key (${whyUnreadable(error)}; an operator writes it with \`public-key > <file>\`)`,
        );
      })
    : undefined;
  if (trusted !== undefined)
    try {
      readPublicKey(trusted);
    } catch (error) {
      throw new CliError(
        `${trustedKeyFile}: not a public key to trust (${error instanceof Error ? error.message : String(error)}; an operator writes it with \`public-key > <file>\`)`,
      );
    }
  try {
    const bundle = parseBundle(text);
    return { bundle, verdict: verifyBundle(bundle, trusted) };
  } catch (error) {
    if (error instanceof BundleFormatError) throw new CliError(`${path}: ${error.message}`);
    throw new CliError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Why an intact bundle proves less than everything, one reason each; none when it is proven. */
export function unprovenReasons(verdict: BundleVerdict): string[] {
  if (verdict.proven) return [];
  return [
    ...(verdict.trustedKey === undefined ? ['the signer is not verified (pass --public-key)'] : []),
    ...(verdict.sealed
      ? []
      : ['the bundle is not sealed (export --sign), so a tail cut back to a checkpoint would not show']),
    ...(verdict.whollyChained ? [] : ['events from before hash chains are in it, and nothing checks them']),
    ...(verdict.streams.some((s) => s.unproven) ? ['a stream is not signed yet'] : []),
    // What an answer drawn from the bundle rests on: events after the last signed checkpoint could be forged.
    ...verdict.streams
      .filter((s) => s.signedUpTo !== undefined && s.signedUpTo < s.events - 1)
      .map(
        (s) =>
          `revisions ${s.signedUpTo! + 1}..${s.events - 1} of ${printable(s.stream)} are chained but no checkpoint signs them: what rests on them could be forged`,
      ),
  ];
}

/** The organization's stream as a bundle holds it, as the records `history` reads from the event store. */
export function organizationRecordsOf(bundle: Bundle): OrganizationRecord[] {
  const stream = organizationStreamOf(bundle.header.org);
  return bundle.events
    .filter((e) => e.stream === stream)
    .map((e) => ({
      revision: BigInt(e.revision),
      event: { type: e.type, data: e.data } as OrganizationEvent,
      metadata: metadataOf(e.metadata),
      raw: { type: e.type, data: e.data, metadata: e.metadata },
    }));
}

function whyUnreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'a directory';
  return code ?? String(error);
}
