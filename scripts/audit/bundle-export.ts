import { writeFile } from 'node:fs/promises';
import { type EventStoreDBClient } from '@eventstore/db-client';
import {
  BUNDLE_FORMAT,
  CheckpointContinuityError,
  StaleHeadError,
  publicKeyPem,
  publishPublicKey,
  publishedPublicKeys,
  readCheckpoints,
  serializeBundle,
  signSeal,
  writeCheckpoints,
  type AuditSigningKey,
  type BundleCheckpoint,
  type BundleEvent,
  type BundleSeal,
  type SignedCheckpoint,
} from '@app/audit';
import { CHAIN_HASH_FIELD } from '@app/event-store';
import { CliError } from './cli-error';
import { organizationStreamOf, readOrganization } from './organization-stream';

export interface ExportSummary {
  readonly events: number;
  readonly checkpoints: number;
  readonly signedUpTo?: string;
  readonly keyId: string;
  readonly sealed: boolean;
}

/**
 * Writes an organization's stream, its signed checkpoints and the public key to one self-contained file. With
 * `signWith` (an operator holding the key), the last exported event is signed as the next checkpoint, which first
 * checks that the stream continues what was signed before, and the bundle is sealed: its streams, event and
 * checkpoint counts signed, so that a shortened copy shows.
 */
export async function exportBundle(
  client: EventStoreDBClient,
  orgId: string,
  out: string,
  signWith?: AuditSigningKey,
): Promise<ExportSummary> {
  const stream = organizationStreamOf(orgId);
  const exportedAt = new Date().toISOString();
  let events: BundleEvent[] = [];
  for (let attempt = 1; ; attempt++) {
    events = [];
    for await (const record of readOrganization(client, orgId))
      events.push({ kind: 'event', stream, revision: record.revision.toString(), ...record.raw });
    try {
      if (signWith) await signLastEvent(client, stream, events, signWith);
      break;
    } catch (error) {
      // The checkpointer signed a later head meanwhile: read again, up to it. A broken history is refused.
      if (error instanceof StaleHeadError && attempt < 3) continue;
      if (error instanceof CheckpointContinuityError || error instanceof StaleHeadError)
        throw new CliError(`refused: ${error.message}`, 1);
      throw error;
    }
  }
  const checkpoints = await readCheckpoints(client, stream);
  const keys = await publishedPublicKeys(client);
  const keyId = signWith?.keyId ?? checkpoints[checkpoints.length - 1]?.keyId ?? [...keys.keys()].pop();
  // Signing, the bundle carries the signer's own key, whatever the store says under its id.
  const publicKey = signWith
    ? publicKeyPem(signWith.publicKey)
    : keyId === undefined
      ? undefined
      : keys.get(keyId);
  if (!keyId || !publicKey)
    throw new CliError(
      'no signing key is published in this event store: no service has written a checkpoint yet',
      1,
    );
  const signed = latestRunOf(
    checkpoints.filter((c) => Number(c.revision) < events.length),
    keyId,
  ).map((c): BundleCheckpoint => ({ kind: 'checkpoint', ...c }));
  const seal: BundleSeal | undefined = signWith
    ? signSeal(
        {
          org: orgId,
          exportedAt,
          streams: [
            {
              stream,
              events: events.length,
              firstCheckpoint: signed[0]!.sequence,
              lastCheckpoint: signed[signed.length - 1]!.sequence,
            },
          ],
        },
        signWith,
      )
    : undefined;
  await writeFile(
    out,
    serializeBundle({
      header: {
        kind: 'bundle',
        format: BUNDLE_FORMAT,
        org: orgId,
        streams: [stream],
        exportedAt,
        publicKey,
        keyId,
      },
      events,
      checkpoints: signed,
      ...(seal ? { seal } : {}),
    }),
  );
  const last = signed[signed.length - 1];
  return {
    events: events.length,
    checkpoints: signed.length,
    keyId,
    sealed: seal !== undefined,
    ...(last ? { signedUpTo: last.revision } : {}),
  };
}

async function signLastEvent(
  client: EventStoreDBClient,
  stream: string,
  events: BundleEvent[],
  key: AuditSigningKey,
): Promise<void> {
  const last = events[events.length - 1];
  const hash = last?.metadata[CHAIN_HASH_FIELD];
  if (!last || typeof hash !== 'string')
    throw new CliError(`${stream} has no chained event to sign: its history cannot be sealed`, 1);
  await publishPublicKey(client, key);
  await writeCheckpoints(client, [{ stream, revision: BigInt(last.revision), hash }], key);
}

/** The unbroken run of checkpoints signed with `keyId` that ends with the last one (earlier keys' are left out). */
function latestRunOf(checkpoints: SignedCheckpoint[], keyId: string): SignedCheckpoint[] {
  let start = checkpoints.length;
  while (start > 0 && checkpoints[start - 1]!.keyId === keyId) start--;
  return checkpoints.slice(start);
}
