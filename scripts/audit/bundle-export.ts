import { writeFile } from 'node:fs/promises';
import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  BUNDLE_FORMAT,
  chainHeadOf,
  publishPublicKey,
  publishedPublicKeys,
  readCheckpoints,
  serializeBundle,
  writeCheckpoints,
  type AuditSigningKey,
  type BundleCheckpoint,
  type BundleEvent,
} from '@app/audit';
import { CliError } from './cli-error';
import { organizationStreamOf, readOrganization } from './organization-stream';

export interface ExportSummary {
  readonly events: number;
  readonly checkpoints: number;
  readonly signedUpTo?: string;
  readonly keyId: string;
}

/**
 * Writes an organization's stream, its signed checkpoints and the public key to one self-contained file. With
 * `signWith` (an operator holding the key), a checkpoint of the head is signed first, so the whole stream is covered.
 */
export async function exportBundle(
  client: EventStoreDBClient,
  orgId: string,
  out: string,
  signWith?: AuditSigningKey,
): Promise<ExportSummary> {
  const stream = organizationStreamOf(orgId);
  const events: BundleEvent[] = [];
  for await (const record of readOrganization(client, orgId))
    events.push({ kind: 'event', stream, revision: record.revision.toString(), ...record.raw });
  if (signWith) {
    await publishPublicKey(client, signWith);
    const head = await chainHeadOf(client, stream);
    if (head && BigInt(events[events.length - 1]!.revision) === head.revision)
      await writeCheckpoints(client, [{ stream, ...head }], signWith);
  }
  const keys = await publishedPublicKeys(client);
  const checkpoints = await readCheckpoints(client, stream);
  const keyId = signWith?.keyId ?? checkpoints[checkpoints.length - 1]?.keyId ?? [...keys.keys()].pop();
  const publicKey = keyId === undefined ? undefined : keys.get(keyId);
  if (!keyId || !publicKey)
    throw new CliError(
      'no signing key is published in this event store: no service has written a checkpoint yet',
      1,
    );
  const signed: BundleCheckpoint[] = checkpoints
    .filter((c) => c.keyId === keyId && Number(c.revision) < events.length)
    .map((c) => ({ kind: 'checkpoint', ...c }));
  await writeFile(
    out,
    serializeBundle({
      header: {
        kind: 'bundle',
        format: BUNDLE_FORMAT,
        org: orgId,
        streams: [stream],
        exportedAt: new Date().toISOString(),
        publicKey,
        keyId,
      },
      events,
      checkpoints: signed,
    }),
  );
  const last = signed[signed.length - 1];
  return {
    events: events.length,
    checkpoints: signed.length,
    keyId,
    ...(last ? { signedUpTo: last.revision } : {}),
  };
}
